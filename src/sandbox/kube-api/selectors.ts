/** Field selectors (`a=b,c!=d`) over dotted paths, with the aliases the API server knows. */
import type { Json } from '../json.ts';

export type FieldRequirement = { path: string; value: string; negate: boolean };

const aliases: Record<string, string> = { source: 'source.component' };

export function parseFieldSelector(s: string): FieldRequirement[] {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^([A-Za-z0-9.]+)\s*(==|!=|=)\s*(.*)$/.exec(p);
      if (!m) throw new Error(`invalid selector: '${p}'; can't understand '${p}'`);
      return {
        path: aliases[m[1] as string] ?? (m[1] as string),
        value: m[3] as string,
        negate: m[2] === '!=',
      };
    });
}

const at = (o: Json, path: string): unknown =>
  path.split('.').reduce<Json>((x, k) => (x == null ? undefined : x[k]), o);

export function matchesFields(reqs: FieldRequirement[], o: Json): boolean {
  return reqs.every((r) => {
    const v = at(o, r.path);
    const s = v === undefined || v === null ? '' : String(v);
    return r.negate ? s !== r.value : s === r.value;
  });
}
