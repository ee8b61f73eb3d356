/**
 * A kustomization and everything it pulls in: resources that are files, resources (and legacy
 * bases, components) that are other kustomizations, and its patches — strategic-merge or JSON 6902,
 * from files or inline. Remote resources (URLs, `?ref=`) are skipped: they are not in this repository.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { matchesSelector, parseSelector } from '../../argocd/index.ts';
import type { EditSet } from './edit-set.ts';
import { join } from './edit-set.ts';
import { kustomizationIn } from './source.ts';
import type { Workload } from './workloads.ts';
import { mapAt, str } from './workloads.ts';
import type { Doc, YamlFile } from './yaml-edit.ts';
import { deref, isEmpty, lookup, plain } from './yaml-edit.ts';

export interface Layer {
  dir: string;
  file: YamlFile;
  doc: Doc;
  root: YAMLMap;
  children: Layer[];
  manifests: string[];
  patches: Patch[];
}

export interface Patch {
  layer: Layer;
  file: YamlFile;
  doc: Doc;
  /** A mapping (strategic merge) or a sequence of JSON 6902 operations. */
  root: YAMLMap | YAMLSeq;
  target?: { kind?: string; name?: string; labelSelector?: string };
}

const remote = (s: string) => /^[a-z]+:\/\/|^git@|^github\.com\/|\?ref=|\/\/.*\.git/.test(s);

/** The scalar items of a top-level list of a kustomization (`resources:`, `bases:`). */
export function listOf(doc: Doc, root: YAMLMap, key: string): unknown[] {
  const seq = deref(doc, lookup(doc, root, key)?.value);
  return isSeq(seq) ? seq.items.map((i) => deref(doc, i)) : [];
}

export async function loadLayer(set: EditSet, dir: string, depth = 0): Promise<Layer | undefined> {
  const path = await kustomizationIn(set, dir);
  if (!path || depth > 12) return undefined;
  const file = (await set.open(path)) as YamlFile;
  const doc = file.docs[0];
  if (!doc || !isMap(doc.contents)) throw new InputError(`${path} is not a kustomization (not a mapping).`);
  const layer: Layer = { dir, file, doc, root: doc.contents, children: [], manifests: [], patches: [] };
  for (const key of ['resources', 'bases', 'components']) {
    for (const item of listOf(doc, layer.root, key)) {
      if (!isScalar(item) || typeof item.value !== 'string' || remote(item.value)) continue;
      const p = join(dir, item.value);
      if (p === undefined) continue;
      if ((await set.read(p)) !== undefined) layer.manifests.push(p);
      else {
        const child = await loadLayer(set, p, depth + 1);
        if (child) layer.children.push(child);
      }
    }
  }
  await loadPatches(set, layer);
  return layer;
}

async function loadPatches(set: EditSet, layer: Layer): Promise<void> {
  const { doc, root, file, dir } = layer;
  const add = async (source: Scalar | undefined, isPath: boolean, target?: Patch['target']) => {
    if (!source || typeof source.value !== 'string') return;
    let f: YamlFile | undefined;
    if (isPath) {
      const p = join(dir, source.value);
      f = p === undefined ? undefined : await set.open(p);
    } else f = file.embedded(source);
    for (const d of f?.docs ?? []) {
      const r = d.contents;
      if (f && (isMap(r) || isSeq(r))) layer.patches.push({ layer, file: f, doc: d, root: r, target });
    }
  };
  for (const item of listOf(doc, root, 'patchesStrategicMerge'))
    if (isScalar(item)) await add(item as Scalar, !String(item.value).includes('\n'));
  for (const key of ['patches', 'patchesJson6902']) {
    for (const item of listOf(doc, root, key)) {
      if (!isMap(item)) continue;
      const target = deref(doc, lookup(doc, item, 'target')?.value);
      const t = isMap(target)
        ? {
            kind: str(doc, target, 'kind'),
            name: str(doc, target, 'name'),
            labelSelector: str(doc, target, 'labelSelector'),
          }
        : undefined;
      const path = deref(doc, lookup(doc, item, 'path')?.value);
      const inline = deref(doc, lookup(doc, item, 'patch')?.value);
      if (isScalar(path)) await add(path as Scalar, true, t);
      else if (isScalar(inline)) await add(inline as Scalar, false, t);
    }
  }
}

/** Every layer, the given one first, then its children depth-first. */
export function allLayers(top: Layer): Layer[] {
  return [top, ...top.children.flatMap(allLayers)];
}

/** The layers from `top` down to the one that lists `file` as a resource; empty if none does. */
export function chainTo(top: Layer, file: string): Layer[] {
  if (top.manifests.includes(file)) return [top];
  for (const child of top.children) {
    const sub = chainTo(child, file);
    if (sub.length) return [top, ...sub];
  }
  return [];
}

/** The name a workload gets in the cluster after namePrefix/nameSuffix of each layer (inner first). */
export function liveName(chain: Layer[], name: string): string {
  return [...chain].reverse().reduce((n, l) => {
    const pre = str(l.doc, l.root, 'namePrefix') ?? '';
    const suf = str(l.doc, l.root, 'nameSuffix') ?? '';
    return `${pre}${n}${suf}`;
  }, name);
}

/** Whether a patch applies to a workload (its target, or its own kind and name for strategic merge). */
export function patches(p: Patch, w: Workload, names: string[]): boolean {
  if (p.target) {
    const { kind, name, labelSelector } = p.target;
    if (kind && kind !== w.kind) return false;
    if (name && !names.some((n) => new RegExp(`^(?:${name})$`).test(n))) return false;
    if (labelSelector) {
      const labels = plain(w.doc, mapAt(w.doc, w.root, ['metadata', 'labels'])) as Record<string, string>;
      if (!matchesSelector(parseSelector(labelSelector), labels ?? {})) return false;
    }
    return true;
  }
  if (!isMap(p.root)) return false;
  const name = str(p.doc, mapAt(p.doc, p.root, ['metadata']), 'name');
  return str(p.doc, p.root, 'kind') === w.kind && !!name && names.includes(name);
}

/** A top-level list of the kustomization, created (as a block list) when missing. */
export function appendTo(layer: Layer, key: string, item: Record<string, string | number>): void {
  const found = lookup(layer.doc, layer.root, key);
  if (isSeq(found?.value)) layer.file.addItems(found.value, [item]);
  else if (!found) layer.file.addPairs(layer.root, { [key]: [item] });
  else if (!found.merged && isEmpty(found.value)) layer.file.fillEmpty(found.pair, [item]);
  else throw new InputError(`${layer.file.path}: ${key} is not a list.`);
}
