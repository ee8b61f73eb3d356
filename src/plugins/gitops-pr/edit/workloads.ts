/**
 * The workloads a change can target (Deployment, StatefulSet, DaemonSet, Argo Rollout) in parsed
 * manifests, their containers, and the choice of one when a path holds several: narrowed by what
 * Argo CD says the app runs, by container, by image — else the person is asked to say which.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { ChangeIntent } from '../intents.ts';
import { parseImage, parseWish } from './image-ref.ts';
import type { Doc, YamlFile } from './yaml-edit.ts';
import { deref, lookup } from './yaml-edit.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Rollout'];

export interface Workload {
  file: YamlFile;
  doc: Doc;
  root: YAMLMap;
  kind: string;
  name: string;
}

export interface Container {
  name: string;
  node: YAMLMap;
  image?: string;
  /** Position in its list (JSON patches address containers by index). */
  index: number;
  list: 'containers' | 'initContainers';
}

/** A string field of a mapping, through aliases. */
export function str(doc: Doc, map: unknown, key: string): string | undefined {
  if (!isMap(map)) return undefined;
  const v = lookup(doc, map, key)?.value;
  return isScalar(v) && v.value !== null ? String(v.value) : undefined;
}

/** The mapping at a path of keys, through aliases and merge keys. */
export function mapAt(doc: Doc, root: unknown, path: string[]): YAMLMap | undefined {
  let node: unknown = root;
  for (const key of path) node = isMap(node) ? lookup(doc, node, key)?.value : undefined;
  return isMap(node) ? node : undefined;
}

export function objectsIn(file: YamlFile): { doc: Doc; root: YAMLMap; kind?: string; name?: string }[] {
  return file.docs.flatMap((doc) => {
    const root = doc.contents;
    if (!isMap(root)) return [];
    return [
      { doc, root, kind: str(doc, root, 'kind'), name: str(doc, mapAt(doc, root, ['metadata']), 'name') },
    ];
  });
}

export function workloadsIn(file: YamlFile): Workload[] {
  return objectsIn(file).flatMap((o) =>
    o.kind && o.name && WORKLOAD_KINDS.includes(o.kind) ? [{ ...o, file, kind: o.kind, name: o.name }] : [],
  );
}

export function containersOf(doc: Doc, root: YAMLMap): Container[] {
  const pod = mapAt(doc, root, ['spec', 'template', 'spec']);
  if (!pod) return [];
  return (['containers', 'initContainers'] as const).flatMap((list) => {
    const seq = deref(doc, lookup(doc, pod, list)?.value);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((item, index) => {
      const node = deref(doc, item);
      const name = str(doc, node, 'name');
      return isMap(node) && name ? [{ name, node, image: str(doc, node, 'image'), index, list }] : [];
    });
  });
}

export const describe = (w: Workload): string => `${w.kind} ${w.name}`;

/** The name and optional workload/file a person pointed at (`--path`), when the intent carries one. */
export const pointedAt = (intent: ChangeIntent): string | undefined => intent.path;

/**
 * One workload out of several. `where` says where deckhand looked, for the error message;
 * `liveName` maps a manifest name to the name it gets in the cluster (kustomize prefixes).
 */
export function pickWorkload(
  r: ResolvedApp,
  all: Workload[],
  intent: ChangeIntent,
  where: string,
  liveName: (w: Workload) => string = (w) => w.name,
): Workload {
  const kinds = intent.kind === 'replicas' ? WORKLOAD_KINDS.filter((k) => k !== 'DaemonSet') : WORKLOAD_KINDS;
  let found = all.filter((w) => kinds.includes(w.kind));
  const hint = {
    hint: 'Say which workload or file with --path (for example --path deployment.yaml or --path Deployment/web).',
  };
  const lookedFor =
    intent.kind === 'replicas'
      ? 'Deployment, StatefulSet or Rollout'
      : 'Deployment, StatefulSet, DaemonSet or Rollout';
  if (found.length === 0) throw new InputError(`Found no ${lookedFor} in ${where}.`, hint);
  const narrow = (keep: (w: Workload) => boolean) => {
    const kept = found.filter(keep);
    if (kept.length > 0) found = kept;
    return kept.length;
  };
  const path = pointedAt(intent);
  if (path) {
    const wanted = (w: Workload) =>
      [w.name, `${w.kind}/${w.name}`, w.file.path].includes(path) || w.file.path.endsWith(`/${path}`);
    if (narrow(wanted) === 0)
      throw new InputError(`No workload or file ${path} among ${found.map(describe).join(', ')}.`, hint);
  }
  // What Argo CD says the app runs: a manifest outside it (another env's copy) is not the target.
  const live = r.app.status?.resources ?? [];
  if (found.length > 1 && live.length)
    narrow((w) => live.some((l) => l.kind === w.kind && l.name === liveName(w)));
  const container = intent.kind === 'image' || intent.kind === 'resources' ? intent.container : undefined;
  if (found.length > 1 && container)
    narrow((w) => containersOf(w.doc, w.root).some((c) => c.name === container));
  if (found.length > 1 && intent.kind === 'image') {
    const repo = parseWish(intent.image).repo;
    if (repo)
      narrow((w) => containersOf(w.doc, w.root).some((c) => c.image && parseImage(c.image).repo === repo));
  }
  if (found.length > 1)
    throw new InputError(
      `${where} has ${found.length} workloads that could be meant: ${found.map((w) => `${describe(w)} (${w.file.path})`).join(', ')}.`,
      hint,
    );
  return found[0] as Workload;
}

/** The container to change: the one named, the only one, or the one running the image asked for. */
export function pickContainer(w: Workload, wanted?: string, imageRepo?: string): Container {
  const all = containersOf(w.doc, w.root);
  const names = all.map((c) => c.name).join(', ');
  if (wanted) {
    const c = all.find((x) => x.name === wanted);
    if (!c)
      throw new InputError(`${describe(w)} has no container ${wanted}; its containers: ${names || 'none'}.`);
    return c;
  }
  const main = all.filter((c) => c.list === 'containers');
  if (main.length === 1) return main[0] as Container;
  const byImage = imageRepo ? main.filter((c) => c.image && parseImage(c.image).repo === imageRepo) : [];
  if (byImage.length === 1) return byImage[0] as Container;
  if (main.length === 0) throw new InputError(`${describe(w)} in ${w.file.path} lists no containers.`);
  throw new InputError(`${describe(w)} has ${main.length} containers (${names}); which one?`, {
    hint: 'Name it with --container.',
  });
}
