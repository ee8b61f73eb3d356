/**
 * Defensive readers for raw API objects. Argo CD's JSON is whatever its Go types marshal to: a
 * field may be absent, `null`, an empty string or an empty struct, and older or newer servers add
 * or drop fields. These readers turn any of that into a value of the expected type or undefined,
 * so nothing downstream reads a nested raw field unguarded.
 */
export type Raw = Record<string, unknown>;

export const obj = (v: unknown): Raw | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;

/** A non-empty string (Go's zero value "" reads as absent). */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && /^-?\d+$/.test(v)
      ? Number(v)
      : undefined;

export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Only the object items of an array (a `null` item or a stray string is skipped). */
export const objs = (v: unknown): Raw[] => arr(v).flatMap((x) => (obj(x) ? [x as Raw] : []));

export const strs = (v: unknown): string[] => arr(v).flatMap((x) => (str(x) ? [x as string] : []));

/** A string map such as labels or annotations; non-string values are dropped. */
export const strMap = (v: unknown): Record<string, string> => {
  const o = obj(v);
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(o)) if (typeof val === 'string') out[k] = val;
  return out;
};

/** Follow a path of keys; undefined as soon as a step is not an object. */
export const at = (v: unknown, ...path: string[]): unknown => {
  let cur: unknown = v;
  for (const p of path) {
    const o = obj(cur);
    if (!o) return undefined;
    cur = o[p];
  }
  return cur;
};

/** An RFC 3339 time that parses; anything else reads as absent. */
export const time = (v: unknown): string | undefined => {
  const s = str(v);
  return s && !Number.isNaN(Date.parse(s)) ? s : undefined;
};
