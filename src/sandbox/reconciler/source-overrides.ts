/**
 * Argo CD's parameter overrides stored in Git: before rendering, the repo-server merges
 * `.argocd-source.yaml` and then `.argocd-source-<app>.yaml` from the app's path into the
 * Application's source as JSON merge patches (RFC 7386), keeping repoURL, path, chart and
 * targetRevision (reposerver/repository/repository.go `mergeSourceParameters`; docs
 * user-guide/parameters.md "Store Overrides In Git"). Image Updater's write-back `git` writes
 * exactly such a file. With apps in any namespace the file is `.argocd-source-<ns>_<app>.yaml`.
 */
import { parse } from 'yaml';

// Sources are free-form JSON, as the scenario gives them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** RFC 7386: objects merge key by key, null removes a key, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The source Argo CD renders: the Application's, with the path's override files merged in. */
export function withSourceOverrides(
  source: Any,
  app: { name: string; namespace?: string },
  files: Map<string, string>,
): Any {
  const dir = String(source.path ?? '.')
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '');
  const at = (f: string) => (dir ? `${dir}/${f}` : f);
  const appFile =
    app.namespace && app.namespace !== 'argocd'
      ? `.argocd-source-${app.namespace}_${app.name}.yaml`
      : `.argocd-source-${app.name}.yaml`;
  let merged: Any = source;
  for (const name of ['.argocd-source.yaml', appFile]) {
    const text = files.get(at(name));
    if (text === undefined) continue;
    merged = mergePatch(merged, parse(text) ?? {});
  }
  if (merged === source) return source;
  // Only config management settings may change (repository.go keeps these four).
  return {
    ...merged,
    repoURL: source.repoURL,
    path: source.path,
    chart: source.chart,
    targetRevision: source.targetRevision,
  };
}

/** `--set` reads integers and booleans as such; `forceString` (`--set-string`) keeps text. */
const setValue = (value: string | undefined, forceString?: boolean): unknown =>
  forceString || value === undefined
    ? value
    : /^-?\d+$/.test(value)
      ? Number(value)
      : value === 'true' || value === 'false'
        ? value === 'true'
        : value;

/** Helm parameters (`--set name=value`) as a values object, for the values the sandbox applies. */
export function parameterValues(
  parameters: { name?: string; value?: string; forceString?: boolean }[] | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of parameters ?? []) {
    if (!p.name) continue;
    const keys = p.name.split('.');
    let o = out;
    for (const k of keys.slice(0, -1))
      o = (o[k] = (o[k] as Record<string, unknown>) ?? {}) as Record<string, unknown>;
    o[keys.at(-1) as string] = setValue(p.value, p.forceString);
  }
  return out;
}
