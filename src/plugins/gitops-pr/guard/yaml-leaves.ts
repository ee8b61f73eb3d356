/**
 * A YAML file as the set of its values, each at the keys that lead to it, so that two versions of
 * a file compare by meaning: which values a change added, changed or removed. The scope check
 * reads these instead of trusting what the planner says it did.
 *
 * - Aliases are followed: a value shared through an anchor changes everywhere it is used.
 * - List items are named by their `name` (or `path`), not their position, so `containers[web]`
 *   is the same container even when another one is added before it.
 * - A JSON 6902 operation (`{op, path, value}`) reads as the value at its path: `/spec/replicas`.
 * - A multi-line string that is itself YAML (an inline kustomize patch) is read into.
 */
import { parseAllDocuments } from 'yaml';

export interface Leaf {
  /** Where it is, unique within the file: `#1 spec.template.spec.containers[web].image`. */
  id: string;
  /** The mapping keys down to it (list items add none, a JSON pointer adds each segment). */
  keys: string[];
  /** The scalar as text. */
  value: string;
  /** The container (by name) it belongs to, and its keys inside that container. */
  container?: { name: string; keys: string[] };
  /** The list item it belongs to (its id), when it is in one. */
  item?: string;
  /** True for the `name` or `path` that names its list item. */
  identity: boolean;
  /** Whether its document is a Kubernetes object or a kustomization (not a Helm values file). */
  kube: boolean;
  /** The keys that may start a line writing it: every key on the way (and `value` of an operation). */
  lineKeys: string[];
}

/** The file cannot be read as YAML: nothing about its change can be told. */
export class UnreadableYamlError extends Error {}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

interface At {
  id: string;
  keys: string[];
  lineKeys: string[];
  container?: { name: string; keys: string[] };
  item?: string;
  kube: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Documents of a text, aliases resolved; throws UnreadableYamlError on a syntax error. */
function documents(text: string, where: string): unknown[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d, i) => {
    if (d.errors.length)
      throw new UnreadableYamlError(
        `${where} (document ${i + 1}): ${d.errors[0]?.message ?? 'invalid YAML'}`,
      );
    return d.toJS({ maxAliasCount: -1 }) as unknown;
  });
}

/** A string that holds YAML collections (not just text that happens to parse as a scalar). */
function embedded(text: string): unknown[] | undefined {
  if (!text.includes('\n')) return undefined;
  try {
    const docs = documents(text, 'embedded');
    return docs.some((d) => isObject(d) || Array.isArray(d)) ? docs : undefined;
  } catch {
    return undefined;
  }
}

const decodePointer = (p: string): string[] =>
  p
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

const under = (at: At, key: string, label = key): At => ({
  ...at,
  id: `${at.id}${at.id.endsWith(' ') ? '' : '.'}${label}`,
  keys: [...at.keys, key],
  lineKeys: [...at.lineKeys, key],
  container: at.container && { ...at.container, keys: [...at.container.keys, key] },
});

function walk(v: unknown, at: At, out: Leaf[]): void {
  if (v === null || v === undefined) return; // an empty value is a place, not a value
  if (Array.isArray(v)) return v.forEach((item, i) => walkItem(item, i, at, out));
  if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) walk(x, under(at, k), out);
    return;
  }
  if (typeof v === 'string') {
    const docs = embedded(v);
    if (docs) {
      docs.forEach((d, i) => walk(d, { ...at, id: `${at.id}|${i}` }, out));
      return;
    }
  }
  const value = v instanceof Date ? v.toISOString() : String(v);
  out.push({ ...at, value, identity: false });
}

function walkItem(item: unknown, index: number, parent: At, out: Leaf[]): void {
  // A JSON 6902 operation: its value lives at the path it names, its other keys are its own.
  if (
    isObject(item) &&
    typeof item.op === 'string' &&
    typeof item.path === 'string' &&
    item.path.startsWith('/')
  ) {
    const pointer = decodePointer(item.path);
    const base: At = {
      ...parent,
      id: `${parent.id}[${item.path}]`,
      keys: [...parent.keys, ...pointer],
      lineKeys: [...parent.lineKeys, 'value'],
      item: `${parent.id}[${item.path}]`,
    };
    walk(item.value, base, out);
    for (const [k, x] of Object.entries(item))
      if (k !== 'value') walk(x, { ...base, id: `${base.id}$${k}`, keys: [...base.keys, `$${k}`] }, out);
    return;
  }
  const idKey = isObject(item)
    ? (['name', 'path'] as const).find((k) => typeof item[k] === 'string')
    : undefined;
  const name = idKey && isObject(item) ? (item[idKey] as string) : undefined;
  const id = `${parent.id}[${name ?? index}]`;
  const inContainer = name !== undefined && CONTAINER_LISTS.has(parent.keys.at(-1) ?? '');
  const at: At = {
    ...parent,
    id,
    item: id,
    container: inContainer ? { name, keys: [] } : parent.container,
  };
  if (!isObject(item)) return walk(item, at, out);
  for (const [k, x] of Object.entries(item)) {
    const before = out.length;
    walk(x, under(at, k), out);
    if (k === idKey) for (const l of out.slice(before)) l.identity = true;
  }
}

/** Every value of a YAML text, by id. */
export function leavesOf(text: string, path: string): Map<string, Leaf> {
  const out: Leaf[] = [];
  const kustomization = /(^|\/)kustomization\.ya?ml$/.test(path);
  documents(text, path).forEach((doc, i) => {
    const kube = kustomization || (isObject(doc) && typeof doc.kind === 'string');
    walk(doc, { id: `#${i} `, keys: [], lineKeys: [], kube }, out);
  });
  return new Map(out.map((l) => [l.id, l]));
}

/** A value a change touched: there before (`before`), there after (`after`), or both but different. */
export interface Changed {
  leaf: Leaf;
  before?: string;
  after?: string;
}

export function changedLeaves(before: string, after: string, path: string): Changed[] {
  const a = leavesOf(before, path);
  const b = leavesOf(after, path);
  const out: Changed[] = [];
  for (const [id, l] of b) {
    const was = a.get(id);
    if (was?.value !== l.value) out.push({ leaf: l, before: was?.value, after: l.value });
  }
  for (const [id, l] of a) if (!b.has(id)) out.push({ leaf: l, before: l.value });
  return out;
}
