/**
 * Kubernetes quantities for memory (bytes) and cpu (millicores): parse, compare, scale, and write
 * back in the unit a manifest already uses.
 */
import { quantityValue } from '../../core/quantity.ts';

const memUnits: [string, number][] = [
  ['Ki', 1024],
  ['Mi', 1024 ** 2],
  ['Gi', 1024 ** 3],
  ['Ti', 1024 ** 4],
  ['k', 1e3],
  ['M', 1e6],
  ['G', 1e9],
  ['T', 1e12],
];

/** Bytes for memory, millicores for cpu; undefined when the text is not a quantity. */
export function parseQuantity(q: string, kind: 'memory' | 'cpu'): number | undefined {
  const v = quantityValue(q);
  if (v === undefined || v < 0) return undefined;
  return Math.round(kind === 'cpu' ? v * 1000 : v);
}

/** Write a value in the unit of `like` (or the largest binary unit that keeps it whole). */
export function formatQuantity(value: number, kind: 'memory' | 'cpu', like?: string): string {
  if (kind === 'cpu') return value % 1000 === 0 ? String(value / 1000) : `${Math.round(value)}m`;
  const unit = like ? /(Ki|Mi|Gi|Ti|k|M|G|T)$/.exec(like.trim())?.[1] : undefined;
  const preferred = unit ? memUnits.find(([u]) => u === unit) : undefined;
  if (preferred && Number.isInteger(value / preferred[1])) return `${value / preferred[1]}${preferred[0]}`;
  for (const [u, f] of [...memUnits.slice(0, 4)].reverse())
    if (value % f === 0 && value >= f) return `${value / f}${u}`;
  // Round up to a whole Mi: a limit is a ceiling, better slightly higher than lower.
  return `${Math.ceil(value / 1024 ** 2)}Mi`;
}
