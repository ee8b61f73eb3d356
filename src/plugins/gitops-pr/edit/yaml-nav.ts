/**
 * Finding things in parsed YAML the way a Kubernetes reader sees them: through aliases and `<<`
 * merge keys.
 */
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Pair, YAMLMap } from 'yaml';

export type Doc = Document.Parsed;
export type Found = { pair: Pair; value: unknown; merged: boolean; shared: boolean };

export const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || (isScalar(v) && v.value === null);

const isMergeKey = (k: unknown): boolean =>
  isScalar(k) && (k.value === '<<' || (typeof k.value === 'symbol' && k.value.description === '<<'));

/** A node with aliases resolved. */
export function deref(doc: Doc, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** The value under `key`, looking through `<<` merge keys when the mapping does not set it itself. */
export function lookup(doc: Doc, map: YAMLMap, key: string): Found | undefined {
  const own = map.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  if (own) return { pair: own, value: deref(doc, own.value), merged: false, shared: isAlias(own.value) };
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const s of sources) {
      const m = deref(doc, s);
      const found = isMap(m) ? lookup(doc, m, key) : undefined;
      if (found) return { ...found, merged: true, shared: true };
    }
  }
  return undefined;
}

/** The node a path of mapping keys leads to from `node` (through merge keys); undefined off the path. */
export function nodeAt(doc: Doc, node: unknown, ...keys: string[]): unknown {
  for (const k of keys) {
    if (!isMap(node)) return undefined;
    node = lookup(doc, node as YAMLMap, k)?.value;
  }
  return node;
}

/** A plain-JS reading of a node (through aliases and merge keys), for comparisons. */
export function plain(doc: Doc, node: unknown): unknown {
  const n = deref(doc, node) as { toJS?: (d: Doc) => unknown } | null;
  return n && typeof n.toJS === 'function' ? n.toJS(doc) : n;
}
