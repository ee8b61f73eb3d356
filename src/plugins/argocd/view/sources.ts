/**
 * An application's sources as one list, whether the spec has `source` or `sources`, each with the
 * revision Argo CD compared it at and the one last deployed. Revisions of a multi-source app are
 * kept in the order of `spec.sources` (status.sync.revisions, history[].revisions and
 * operationState.syncResult.revisions all follow it: argo-cd pkg/apis/application/v1alpha1
 * types.go, `Revisions []string // ... in the same order as Sources`).
 */
import { arr, at, obj, objs, str, strs, type Raw } from './read.ts';

/** Where the manifests come from: a Git repository, a Helm chart repository, an OCI registry. */
export type SourceOrigin = 'git' | 'helm' | 'oci';
/** How Argo CD turns the source into manifests (status.sourceTypes). */
export type SourceTool = 'Helm' | 'Kustomize' | 'Directory' | 'Plugin';

export interface SourceView {
  index: number;
  origin: SourceOrigin;
  tool?: SourceTool;
  repoURL?: string;
  path?: string;
  chart?: string;
  /** What the spec asks for (a branch, tag, `HEAD`, a chart version or range, a digest). */
  targetRevision: string;
  /** `ref:` names the source so others can read its files as `$ref/…`. */
  ref?: string;
  /** A `ref:` source with neither path nor chart only lends files (values) to the others. */
  refOnly: boolean;
  /** The display name Argo CD 2.14+/3.x lets a source carry. */
  name?: string;
  /** Resolved revision Argo CD last compared against (a sha for Git, a version for Helm, a digest for OCI). */
  revision?: string;
  /** Revision of the last deployment (status.history), when it differs from nothing. */
  deployed?: string;
  valueFiles: string[];
  helmParameters: { name: string; value: string }[];
  kustomizeImages: string[];
  plugin?: string;
}

const TOOLS = new Set<SourceTool>(['Helm', 'Kustomize', 'Directory', 'Plugin']);

function toolOf(s: Raw, declared: unknown): SourceTool | undefined {
  if (typeof declared === 'string' && TOOLS.has(declared as SourceTool)) return declared as SourceTool;
  if (str(s.chart) || obj(s.helm)) return 'Helm';
  if (obj(s.kustomize)) return 'Kustomize';
  if (obj(s.plugin)) return 'Plugin';
  if (obj(s.directory)) return 'Directory';
  return undefined;
}

function originOf(s: Raw): SourceOrigin {
  const url = str(s.repoURL) ?? '';
  if (/^oci:\/\//i.test(url)) return 'oci';
  if (str(s.chart)) return 'helm';
  return 'git';
}

/** The raw source objects of the spec: `sources` when non-empty (it wins in Argo CD), else `source`. */
export function rawSources(spec: unknown): Raw[] {
  const many = objs(at(spec, 'sources'));
  if (many.length) return many;
  const one = obj(at(spec, 'source'));
  return one ? [one] : [];
}

export function readSources(app: unknown): { sources: SourceView[]; notes: string[] } {
  const spec = at(app, 'spec');
  const raw = rawSources(spec);
  const multi = objs(at(spec, 'sources')).length > 0;
  const status = at(app, 'status');
  const types = arr(at(status, 'sourceTypes'));
  const compared = multi ? strs(at(status, 'sync', 'revisions')) : [];
  const history = objs(at(status, 'history'));
  const last = history.at(-1);
  const deployedAll = multi ? arr(last?.revisions) : [];
  const notes: string[] = [];
  const sources = raw.map((s, index): SourceView => {
    const origin = originOf(s);
    if (!str(s.repoURL)) notes.push(`source ${index + 1} has no repoURL`);
    const helm = obj(s.helm);
    const kustomize = obj(s.kustomize);
    const revision = multi
      ? str(compared[index])
      : (str(at(status, 'sync', 'revision')) ?? str(strs(at(status, 'sync', 'revisions'))[0]));
    const deployed = multi ? str(deployedAll[index]) : str(last?.revision);
    return {
      index,
      origin,
      tool: toolOf(s, multi ? types[index] : (types[0] ?? at(status, 'sourceType'))),
      repoURL: str(s.repoURL),
      path: str(s.path),
      chart: str(s.chart),
      targetRevision: str(s.targetRevision) ?? (origin === 'git' ? 'HEAD' : 'latest'),
      ref: str(s.ref),
      refOnly: !!str(s.ref) && !str(s.path) && !str(s.chart),
      name: str(s.name),
      revision,
      deployed,
      valueFiles: strs(helm?.valueFiles),
      helmParameters: objs(helm?.parameters).flatMap((p) =>
        str(p.name) ? [{ name: p.name as string, value: typeof p.value === 'string' ? p.value : '' }] : [],
      ),
      kustomizeImages: strs(kustomize?.images),
      plugin: str(at(s, 'plugin', 'name')) ?? (obj(s.plugin) ? '(discovered)' : undefined),
    };
  });
  return { sources, notes };
}

/** A revision is a Git commit when it is a full sha (SHA-1, or SHA-256 for sha256 repositories). */
export const isCommitSha = (rev: string | undefined): rev is string =>
  !!rev && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(rev);

/** How a revision reads in a card: a short sha for commits, the version or digest as it is otherwise. */
export function revisionLabel(rev: string | undefined): string {
  if (!rev) return '—';
  if (isCommitSha(rev)) return rev.slice(0, 7);
  const digest = /^sha256:([0-9a-f]{64})$/.exec(rev);
  if (digest) return `sha256:${(digest[1] as string).slice(0, 12)}`;
  return rev;
}
