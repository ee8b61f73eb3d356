/**
 * The `fields` parameter that trims responses. For List, Argo CD honours only a whitelist of
 * `items.`-prefixed paths (pkg/apiclient/application/forwarder_overwrite.go); elsewhere (the watch
 * stream) any dotted path of the message applies. A leading `-` excludes the listed paths.
 */
export const LIST_FIELDS = new Set([
  'metadata.name',
  'metadata.namespace',
  'metadata.annotations',
  'metadata.labels',
  'metadata.creationTimestamp',
  'metadata.deletionTimestamp',
  'spec',
  'spec.destination',
  'spec.project',
  'spec.source',
  'spec.sources',
  'spec.sourceHydrator',
  'spec.syncPolicy',
  'status.sourceHydrator',
  'status.summary',
  'status.sync.status',
  'status.sync.revision',
  'status.health',
  'status.operationState.startedAt',
  'status.operationState.finishedAt',
  'status.operationState.phase',
  'status.operationState.operation.sync',
  'status.resources',
  'operation.sync',
]);

export interface FieldSelection {
  exclude: boolean;
  paths: string[][];
}

export function parseFields(
  raw: string | null,
  opts: { prefix?: string; whitelist?: Set<string> } = {},
): FieldSelection | undefined {
  if (!raw) return undefined;
  const exclude = raw.startsWith('-');
  const list = (exclude ? raw.slice(1) : raw)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) =>
      opts.prefix && p.startsWith(opts.prefix) ? p.slice(opts.prefix.length) : opts.prefix ? undefined : p,
    )
    .filter((p): p is string => p !== undefined && (!opts.whitelist || opts.whitelist.has(p)));
  return { exclude, paths: list.map((p) => p.split('.')) };
}

function pick(src: unknown, path: string[], dst: Record<string, unknown>): void {
  if (!src || typeof src !== 'object') return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  const v = (src as Record<string, unknown>)[head];
  if (v === undefined) return;
  if (rest.length === 0) {
    dst[head] = v;
    return;
  }
  const next = (dst[head] ??= {}) as Record<string, unknown>;
  pick(v, rest, next);
}

function drop(obj: unknown, path: string[]): unknown {
  if (!obj || typeof obj !== 'object') return obj;
  const [head, ...rest] = path;
  if (head === undefined) return obj;
  const copy = { ...(obj as Record<string, unknown>) };
  if (rest.length === 0) delete copy[head];
  else if (head in copy) copy[head] = drop(copy[head], rest);
  return copy;
}

export function applyFields<T>(obj: T, sel: FieldSelection | undefined): T | Record<string, unknown> {
  if (!sel) return obj;
  if (sel.exclude) return sel.paths.reduce<unknown>((o, p) => drop(o, p), obj) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const p of sel.paths) pick(obj, p, out);
  return out;
}
