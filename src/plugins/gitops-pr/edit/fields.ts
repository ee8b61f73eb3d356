/**
 * Fields of a workload and every place that sets them: the manifest itself, then the patches of
 * each kustomize layer from the innermost to the app's own. The last setter wins, as in
 * `kustomize build`; a change goes there when that file is the app's own, else into a patch (or
 * the manifest) the app owns — never into a base that other environments share.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { YAMLMap } from 'yaml';
import type { EditSet } from './edit-set.ts';
import type { Layer, Patch } from './kustomize.ts';
import { liveName, patches } from './kustomize.ts';
import type { Container, Workload } from './workloads.ts';
import { describe, mapAt, str } from './workloads.ts';
import type { Doc, YamlFile } from './yaml-edit.ts';
import { deref, lookup } from './yaml-edit.ts';
import type { ValueMap } from './yaml-text.ts';

/** A workload and the kustomize layers from the app's (first) down to the one listing its manifest. */
export interface Target {
  workload: Workload;
  chain: Layer[];
  /** Names the workload has along the chain (before and after each layer's prefix/suffix). */
  names: string[];
}

export function target(workload: Workload, chain: Layer[]): Target {
  const names = chain.map((_, i) => liveName(chain.slice(i + 1), workload.name));
  return { workload, chain, names: [...new Set([workload.name, ...names])] };
}

export interface Setter {
  file: YamlFile;
  doc: Doc;
  map: YAMLMap;
  key: string;
  value: unknown;
  patch?: Patch;
  /** For JSON 6902 operations: the path they address. */
  pointer?: string;
}

/** Where a field lives: in a container (by name) or in the object, then a key path. */
export interface Field {
  container?: Container;
  keys: string[];
}

/** The mapping at `keys` under the object or under the named container of a manifest or strategic-merge patch. */
export function anchorIn(
  doc: Doc,
  root: YAMLMap,
  c: Container | undefined,
  keys: string[],
): YAMLMap | undefined {
  let base: YAMLMap | undefined = root;
  if (c) {
    const list = deref(
      doc,
      lookup(doc, mapAt(doc, root, ['spec', 'template', 'spec']) ?? root, c.list)?.value,
    );
    const item = isSeq(list)
      ? list.items.map((i) => deref(doc, i)).find((i) => str(doc, i, 'name') === c.name)
      : undefined;
    base = isMap(item) ? item : undefined;
  }
  return base && (keys.length ? mapAt(doc, base, keys) : base);
}

const escapePointer = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

export function pointer(f: Field): string {
  const c = f.container ? `/spec/template/spec/${f.container.list}/${f.container.index}` : '';
  return `${c}/${f.keys.map(escapePointer).join('/')}`;
}

/** Every setter of a field, innermost first. */
export function settersOf(t: Target, f: Field): Setter[] {
  const out: Setter[] = [];
  const leafKey = f.keys[f.keys.length - 1] as string;
  const inDoc = (file: YamlFile, doc: Doc, root: YAMLMap, patch?: Patch) => {
    const map = anchorIn(doc, root, f.container, f.keys.slice(0, -1));
    const found = map && lookup(doc, map, leafKey);
    if (map && found) out.push({ file, doc, map, key: leafKey, value: found.value, patch });
  };
  const w = t.workload;
  inDoc(w.file, w.doc, w.root);
  const wanted = pointer(f);
  for (const layer of [...t.chain].reverse()) {
    for (const p of layer.patches) {
      if (!patches(p, w, t.names)) continue;
      if (isMap(p.root)) inDoc(p.file, p.doc, p.root, p);
      else
        for (const op of p.root.items.map((i) => deref(p.doc, i))) {
          const path = str(p.doc, op, 'path');
          if (!isMap(op) || path !== wanted || !['add', 'replace'].includes(str(p.doc, op, 'op') ?? ''))
            continue;
          out.push({
            file: p.file,
            doc: p.doc,
            map: op,
            key: 'value',
            value: lookup(p.doc, op, 'value')?.value,
            patch: p,
            pointer: path,
          });
        }
    }
  }
  return out;
}

export const scalarText = (v: unknown): string | undefined =>
  isScalar(v) && v.value !== null ? String(v.value) : undefined;

/** How a field is named in summaries: `Deployment web containers[web].resources.limits.memory`. */
export function label(t: Target, f: Field, s?: Setter): string {
  if (s?.pointer) return `${describe(t.workload)} ${s.pointer}`;
  return `${describe(t.workload)} ${f.container ? `containers[${f.container.name}].` : ''}${f.keys.join('.')}`;
}

/** Set one field at a setter (its mapping and key), recording the change or that it already held. */
export function setAt(
  set: EditSet,
  t: Target,
  f: Field,
  s: Setter,
  value: string | number,
  same?: (a: string, b: string) => boolean,
): void {
  const res = s.file.assign(s.doc, s.map, { [s.key]: value }, { same });
  for (const l of res.changed) set.changed(s.file.path, label(t, f, s), l.before, l.after, l.shared);
  for (const l of res.kept) set.held(s.file.path, label(t, f, s), l.after);
}

/** Nest a tree under keys: (['spec', 'replicas'], 3) → {spec: {replicas: 3}}. */
export function nest(keys: string[], leaf: ValueMap | string | number): ValueMap {
  return keys.reduceRight<ValueMap | string | number>((acc, k) => ({ [k]: acc }), leaf) as ValueMap;
}
