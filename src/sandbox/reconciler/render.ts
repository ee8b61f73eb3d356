/**
 * What Git asks an Application to run, from the files of one revision: a kustomize build (or a
 * plain directory of manifests), or for a Helm chart its values applied to the workloads it runs
 * (the chart's templates are not rendered, so its other resources are unknown). Each manifest gets
 * the destination namespace and Argo CD's instance label. The reconciler renders with this, and so
 * do stories whose workloads are what their Git repository says.
 */
import { applyValues, mergeValues } from './helm-values.ts';
import { build, type Manifest, type RepoFiles } from './kustomize.ts';
import { parameterValues, withSourceOverrides } from './source-overrides.ts';

// Applications are free-form JSON, as the scenario gives them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export const repoFiles = (files: Map<string, string>): RepoFiles => ({
  read: (p) => files.get(p.replace(/^\.?\/+/, '')),
  list: (dir) => {
    const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
    const names = new Set<string>();
    for (const f of files.keys())
      if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0] as string);
    return [...names];
  },
});

/** An app's manifests from a revision's files; `live` gives a Helm app's running workloads. */
export function renderApp(
  app: { metadata: { name: string; namespace?: string }; spec: Any },
  files: Map<string, string>,
  live: () => Manifest[],
): { manifests: Manifest[]; complete: boolean } {
  // As Argo CD's repo-server does: the path's .argocd-source files override the source first.
  const src = withSourceOverrides(app.spec.source ?? app.spec.sources?.[0], app.metadata, files);
  const path = (src.path ?? '.').replace(/^\.\/?/, '');
  const destNs = app.spec.destination?.namespace;
  let manifests: Manifest[];
  const helm = !!src.helm || files.has(`${path}/Chart.yaml`);
  if (helm) {
    const valueFiles: string[] = (src.helm?.valueFiles ?? ['values.yaml']).map(
      (f: string) => files.get(`${path}/${f}`.replace(/^\/+/, '')) ?? '',
    );
    // `--set` parameters (the Application's, or an override file's) win over every values file.
    const values = mergeValues([...valueFiles, JSON.stringify(parameterValues(src.helm?.parameters))]);
    manifests = applyValues(live(), values);
  } else {
    manifests = build(repoFiles(files), path, {
      recurse: src.directory?.recurse,
      overrides: src.kustomize,
    });
  }
  for (const m of manifests) {
    if (
      !m.metadata.namespace &&
      destNs &&
      !['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'Node'].includes(m.kind)
    )
      m.metadata.namespace = destNs;
    m.metadata.labels = { ...(m.metadata.labels ?? {}), 'app.kubernetes.io/instance': app.metadata.name };
  }
  return { manifests, complete: !helm };
}
