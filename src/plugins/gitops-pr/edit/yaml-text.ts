/**
 * Writing YAML text by hand, for the few lines deckhand adds to a file: scalars in the style the
 * file already uses, and small block or flow structures at a given indentation. Whole documents
 * are never re-serialised — that would reformat lines nobody asked to change.
 */
import { parse, type Scalar } from 'yaml';

export type Value = string | number | boolean | Value[] | { [key: string]: Value };
export type ValueMap = { [key: string]: Value };

export const isValueMap = (v: unknown): v is ValueMap =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** How a file indents: spaces per level, and how far a block sequence sits under its key. */
export interface IndentStyle {
  step: number;
  /** Offset of `-` from the parent key: 0 (`key:\n- a`) or usually `step` (`key:\n  - a`). */
  seq: number;
}

const plainChars = /^[A-Za-z0-9_/.][A-Za-z0-9_/.@+=~-]*(?::[A-Za-z0-9_/.@+=~-]+)*$/;

/**
 * Whether a string can stay unquoted: it must read back as the same string under YAML 1.2 (the
 * yaml package, Helm's sigs.k8s.io/yaml) and 1.1 (older Go readers), so `1.10`, `yes`, `0755` and
 * timestamps get quotes.
 */
export function plainSafe(s: string): boolean {
  if (!plainChars.test(s)) return false;
  try {
    return parse(s) === s && parse(s, { version: '1.1' }) === s;
  } catch {
    return false;
  }
}

/** A scalar's source text; a string keeps the quoting style it had, when it had one. */
export function formatScalar(v: string | number | boolean, style?: Scalar.Type): string {
  if (typeof v !== 'string') return String(v);
  if (style === 'QUOTE_SINGLE') return `'${v.replace(/'/g, "''")}'`;
  if (style === 'QUOTE_DOUBLE' || !plainSafe(v)) return JSON.stringify(v);
  return v;
}

export const formatKey = (k: string): string => formatScalar(k);

const pad = (n: number) => ' '.repeat(n);

/** Lines (without line ends) of a block mapping whose keys start at column `indent`. */
export function emitBlock(map: ValueMap, indent: number, style: IndentStyle): string[] {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(map)) {
    const key = `${pad(indent)}${formatKey(k)}:`;
    if (isValueMap(v)) {
      if (Object.keys(v).length === 0) lines.push(`${key} {}`);
      else lines.push(key, ...emitBlock(v, indent + style.step, style));
    } else if (Array.isArray(v)) {
      if (v.length === 0) lines.push(`${key} []`);
      else lines.push(key, ...emitItems(v, indent + style.seq, indent + style.seq + 2, style));
    } else lines.push(`${key} ${formatScalar(v)}`);
  }
  return lines;
}

/** Lines of block sequence items: `-` at `dash`, the item's content at `content`. */
export function emitItems(items: Value[], dash: number, content: number, style: IndentStyle): string[] {
  return items.flatMap((item) => {
    const lead = `${pad(dash)}-${pad(Math.max(1, content - dash - 1))}`;
    if (isValueMap(item) && Object.keys(item).length > 0) {
      const [first = '', ...rest] = emitBlock(item, content, style);
      return [lead + first.trimStart(), ...rest];
    }
    if (Array.isArray(item) || isValueMap(item)) return [lead + emitFlow(item)];
    return [lead + formatScalar(item)];
  });
}

/** One-line flow text: `{a: 1, b: [x, y]}`. */
export function emitFlow(v: Value): string {
  if (Array.isArray(v)) return `[${v.map(emitFlow).join(', ')}]`;
  if (isValueMap(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${formatKey(k)}: ${emitFlow(x)}`)
      .join(', ')}}`;
  return formatScalar(v);
}
