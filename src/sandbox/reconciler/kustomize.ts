/**
 * A kustomize build for the sandbox: the subset GitOps repos use for workloads — resources (files
 * and directories, recursively), images (newName/newTag/digest), replicas, strategic-merge and
 * JSON 6902 patches, namespace, commonLabels. Plain directories of manifests build too. Enough
 * for the reconciler to know what Git now asks the cluster to run.
 */
import { parseAllDocuments, parse } from 'yaml';
import { jsonPatch, strategicMerge } from './merge.ts';

export interface RepoFiles {
  read(path: string): string | undefined;
  list(dir: string): string[];
}

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
};

const KUSTOMIZATION = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

const join = (dir: string, p: string): string => {
  const parts = (dir ? dir.split('/') : []).concat(p.split('/'));
  const out: string[] = [];
  for (const x of parts) {
    if (x === '' || x === '.') continue;
    if (x === '..') out.pop();
    else out.push(x);
  }
  return out.join('/');
};

/**
 * Parsed files by their text: a build reads the same files at every revision (copies are handed
 * out, as builds change them). Manifest files (every document) and kustomizations and patches (one).
 */
const parsed = new Map<string, Manifest[]>();
const parsedOne = new Map<string, unknown>();

function remembered<T>(cache: Map<string, T>, text: string, read: (text: string) => T): T {
  let value = cache.get(text);
  if (value === undefined) {
    value = read(text);
    if (cache.size > 2000) cache.clear();
    cache.set(text, value);
  }
  return structuredClone(value);
}

const docsOf = (text: string): Manifest[] =>
  remembered(parsed, text, (t) =>
    parseAllDocuments(t)
      .map((d) => d.toJS() as Manifest | null)
      .filter(
        (m): m is Manifest =>
          !!m && typeof m === 'object' && typeof m.kind === 'string' && !!m.metadata?.name,
      ),
  );

/** One YAML document (null when empty). */
const parseOne = (text: string): unknown => remembered(parsedOne, text, (t) => parse(t) ?? null);

interface Kustomization {
  resources?: string[];
  bases?: string[];
  images?: { name: string; newName?: string; newTag?: string | number; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { path?: string; patch?: string; target?: { kind?: string; name?: string } }[];
  patchesStrategicMerge?: string[];
  patchesJson6902?: { path?: string; patch?: string; target: { kind?: string; name: string } }[];
  namespace?: string;
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namePrefix?: string;
  nameSuffix?: string;
}

/** What an Application's `spec.source.kustomize` sets (argo-cd util/kustomize/kustomize.go). */
export interface KustomizeOverrides {
  namePrefix?: string;
  nameSuffix?: string;
  images?: string[];
  replicas?: { name: string; count: number | string }[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
}

/**
 * A `kustomize edit set image` argument (kustomize v5 setimage.go): `name=newName[:tag][@digest]`,
 * or `name[:tag][@digest]` which keeps the name and sets the tag or digest.
 */
export function parseImageArg(arg: string): NonNullable<Kustomization['images']>[number] {
  const eq = arg.indexOf('=');
  const name = eq > 0 ? arg.slice(0, eq) : undefined;
  let rest = eq > 0 ? arg.slice(eq + 1) : arg;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  const repo = hasTag ? rest.slice(0, colon) : rest;
  const tag = hasTag ? rest.slice(colon + 1) : undefined;
  return {
    name: name ?? repo,
    ...(name && repo !== name ? { newName: repo } : {}),
    ...(tag ? { newTag: tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** The top kustomization as Argo CD leaves it after `kustomize edit set …` with the app's overrides. */
function withOverrides(k: Kustomization, o: KustomizeOverrides | undefined): Kustomization {
  if (!o) return k;
  const images = [...(k.images ?? [])];
  for (const arg of o.images ?? []) {
    const img = parseImageArg(arg);
    const i = images.findIndex((x) => x.name === img.name);
    if (i >= 0) images[i] = { ...images[i], ...img };
    else images.push(img);
  }
  const replicas = [...(k.replicas ?? [])];
  for (const r of o.replicas ?? []) {
    const i = replicas.findIndex((x) => x.name === r.name);
    const next = { name: r.name, count: Number(r.count) };
    if (i >= 0) replicas[i] = next;
    else replicas.push(next);
  }
  return {
    ...k,
    ...(o.namePrefix ? { namePrefix: o.namePrefix } : {}),
    ...(o.nameSuffix ? { nameSuffix: o.nameSuffix } : {}),
    ...(o.namespace ? { namespace: o.namespace } : {}),
    images,
    replicas,
    commonLabels: { ...(k.commonLabels ?? {}), ...(o.commonLabels ?? {}) },
    commonAnnotations: { ...(k.commonAnnotations ?? {}), ...(o.commonAnnotations ?? {}) },
  };
}

function podSpecs(m: Manifest): Record<string, unknown>[] {
  const spec = m.spec as
    | {
        template?: { spec?: Record<string, unknown> };
        jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } };
      }
    | undefined;
  const s = spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
  return s ? [s] : [];
}

/** Apply a kustomize `images:` entry to every container whose image has that name. */
export function setImage(m: Manifest, entry: NonNullable<Kustomization['images']>[number]): Manifest {
  for (const spec of podSpecs(m)) {
    for (const key of ['containers', 'initContainers']) {
      for (const c of (spec[key] as { image?: string }[] | undefined) ?? []) {
        if (!c.image) continue;
        const at = c.image.indexOf('@');
        const noDigest = at >= 0 ? c.image.slice(0, at) : c.image;
        const colon = noDigest.lastIndexOf(':');
        const hasTag = colon > noDigest.lastIndexOf('/');
        const name = hasTag ? noDigest.slice(0, colon) : noDigest;
        if (name !== entry.name) continue;
        const tag = hasTag ? noDigest.slice(colon + 1) : undefined;
        const newName = entry.newName ?? name;
        if (entry.digest) c.image = `${newName}@${entry.digest}`;
        else {
          const t = entry.newTag !== undefined ? String(entry.newTag) : tag;
          c.image = t ? `${newName}:${t}` : newName;
        }
      }
    }
  }
  return m;
}

function matches(m: Manifest, target?: { kind?: string; name?: string }): boolean {
  return (
    !target || ((!target.kind || target.kind === m.kind) && (!target.name || target.name === m.metadata.name))
  );
}

/** Build the manifests of a path: a kustomization, or every YAML file of a directory. */
export function build(
  files: RepoFiles,
  path: string,
  opts: { recurse?: boolean; overrides?: KustomizeOverrides } = {},
  depth = 0,
): Manifest[] {
  if (depth > 10) throw new Error(`kustomization nesting too deep at ${path}`);
  const dir = path.replace(/\/+$/, '');
  const kfile = KUSTOMIZATION.map((f) => join(dir, f)).find((f) => files.read(f) !== undefined);
  if (!kfile) {
    const single = files.read(dir);
    if (single !== undefined) return docsOf(single);
    const out: Manifest[] = [];
    for (const entry of files.list(dir)) {
      const p = join(dir, entry);
      if (/\.(ya?ml|json)$/.test(entry)) out.push(...docsOf(files.read(p) ?? ''));
      else if (opts.recurse && files.list(p).length) out.push(...build(files, p, opts, depth + 1));
    }
    return out;
  }
  const k = withOverrides((parseOne(files.read(kfile) ?? '') ?? {}) as Kustomization, opts.overrides);
  let out: Manifest[] = [];
  for (const r of [...(k.resources ?? []), ...(k.bases ?? [])]) {
    if (/^[a-z]+:\/\//.test(r) || r.startsWith('github.com/')) continue; // remote bases are out of reach
    const p = join(dir, r);
    out.push(...build(files, p, { recurse: false }, depth + 1));
  }
  for (const p of k.patchesStrategicMerge ?? []) {
    const text = files.read(join(dir, p)) ?? p;
    for (const patch of docsOf(text))
      out = out.map((m) =>
        matches(m, { kind: patch.kind, name: patch.metadata.name }) ? strategicMerge(m, patch) : m,
      );
  }
  for (const p of k.patches ?? []) {
    const text = p.path ? (files.read(join(dir, p.path)) ?? '') : (p.patch ?? '');
    const parsed = parseOne(text);
    if (Array.isArray(parsed)) {
      out = out.map((m) =>
        matches(m, p.target) ? jsonPatch(m, parsed as { op: string; path: string; value?: unknown }[]) : m,
      );
    } else if (parsed && typeof parsed === 'object') {
      const patch = parsed as Manifest;
      const target = p.target ?? { kind: patch.kind, name: patch.metadata?.name };
      out = out.map((m) => (matches(m, target) ? strategicMerge(m, patch) : m));
    }
  }
  for (const p of k.patchesJson6902 ?? []) {
    const ops = parseOne(p.path ? (files.read(join(dir, p.path)) ?? '[]') : (p.patch ?? '[]')) as {
      op: string;
      path: string;
      value?: unknown;
    }[];
    out = out.map((m) => (matches(m, p.target) ? jsonPatch(m, ops) : m));
  }
  for (const img of k.images ?? []) out = out.map((m) => setImage(m, img));
  for (const r of k.replicas ?? []) {
    for (const m of out)
      if (m.metadata.name === r.name && m.spec && typeof m.spec === 'object')
        (m.spec as { replicas?: number }).replicas = Number(r.count);
  }
  if (k.namespace) for (const m of out) if (m.kind !== 'Namespace') m.metadata.namespace = k.namespace;
  if (k.commonLabels && Object.keys(k.commonLabels).length)
    for (const m of out) m.metadata.labels = { ...(m.metadata.labels ?? {}), ...k.commonLabels };
  if (k.commonAnnotations && Object.keys(k.commonAnnotations).length)
    for (const m of out)
      m.metadata.annotations = { ...(m.metadata.annotations ?? {}), ...k.commonAnnotations };
  // Each layer's prefix and suffix apply to what it builds (kustomize's prefixsuffix transformer
  // leaves Namespaces and CRDs alone).
  if (k.namePrefix || k.nameSuffix)
    for (const m of out)
      if (m.kind !== 'Namespace' && m.kind !== 'CustomResourceDefinition')
        m.metadata.name = `${k.namePrefix ?? ''}${m.metadata.name}${k.nameSuffix ?? ''}`;
  return out;
}
