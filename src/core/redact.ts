/**
 * The one redaction step. Everything that leaves the process — chat posts and edits, pull request
 * titles, bodies, comments, branch names and commit messages, LLM input, log lines, audit rows,
 * metric labels — passes through a Redactor built once at the composition root.
 *
 * It masks (1) every secret value the configuration holds (and the ones plugins learn at run
 * time, such as a kubeconfig's token), whatever characters it holds, also when chat markup
 * escaped it (`ghp\_…`) or a reply lower-cased it; (2) well-known secret shapes (secret-shapes.ts);
 * (3) in objects, every string under a secret-looking key. A masked token keeps its kind and last
 * four characters (`ghp_…a9Zk`) so people can tell which one it was, as GitHub shows tokens.
 */
import { REDACTED_MARK, SECRET_SHAPES, maskToken } from './secret-shapes.ts';

const secretKey =
  /(token|password|passwd|secret|authorization|cookie|api[-_]?key|private[-_]?key|credential)/i;
export const REDACTED = REDACTED_MARK;

export const isSecretKey = (k: string): boolean => secretKey.test(k) && !/File$/.test(k);

/** Characters the chat markup escapes with a backslash (message/markup.ts `esc`). */
const MARKUP = new Set(['*', '_', '`', '[', ']']);
const reEscape = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** A pattern for one secret value that also matches it markup-escaped. */
const valuePattern = (v: string) =>
  [...v].map((c) => (MARKUP.has(c) ? `\\\\?${reEscape(c)}` : reEscape(c))).join('');

/** Shorter configured values would mask ordinary words; shapes still catch short known tokens. */
const MIN_SECRET_LENGTH = 6;

export class Redactor {
  private readonly values = new Set<string>();
  private known?: RegExp;

  /** Remember secret values to mask wherever they appear. */
  addSecrets(values: Iterable<string | undefined>): void {
    for (const raw of values) {
      const v = raw?.trim();
      if (v && v.length >= MIN_SECRET_LENGTH && !this.values.has(v)) {
        this.values.add(v);
        this.known = undefined;
      }
    }
  }

  private knownPattern(): RegExp | undefined {
    if (!this.values.size) return undefined;
    this.known ??= new RegExp(
      [...this.values]
        .sort((a, b) => b.length - a.length)
        .map(valuePattern)
        .join('|'),
      'gi',
    );
    return this.known;
  }

  text(s: string): string {
    if (!s) return s;
    const known = this.knownPattern();
    let out = known ? s.replace(known, (m) => maskToken(m.replace(/\\/g, ''))) : s;
    // `replace` takes a string or a function; both kinds of mask are one of those.
    for (const shape of SECRET_SHAPES) out = out.replace(shape.re, shape.mask as (m: string) => string);
    return out;
  }

  /**
   * Lines kept as an array (a log tail) read as one text, so a secret spread over lines — a PEM
   * key — is still recognised; undefined when the array is not lines of text.
   */
  private lines(value: unknown[]): string[] | undefined {
    if (value.length < 2 || !value.every((v) => typeof v === 'string' && !v.includes('\n'))) return undefined;
    const masked = this.text(value.join('\n')).split('\n');
    return masked.length === value.length ? masked : undefined;
  }

  /** Whether a text holds anything this step would mask. */
  finds(s: string): boolean {
    return this.text(s) !== s;
  }

  /**
   * Whether a text holds a credential for certain: a configured secret or a value that says it
   * is one (a token with its issuer's prefix, a private key). What is written to Git is checked
   * with this: a `password:` key alone is too often a placeholder to refuse a change for.
   */
  holdsCredential(s: string): boolean {
    const known = this.knownPattern();
    if (known && new RegExp(known.source, 'i').test(s)) return true;
    return SECRET_SHAPES.some(
      (shape) => shape.credential && new RegExp(shape.re.source, shape.re.flags.replace('g', '')).test(s),
    );
  }

  /**
   * A deep copy with every string redacted, keys left as they are: for documents the bot keeps
   * (a field named `token` there may be the bot's own bookkeeping, not a credential).
   */
  strings<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (value === null || typeof value !== 'object' || depth > 32) return value;
    if (ArrayBuffer.isView(value) || value instanceof Date) return value;
    if (Array.isArray(value)) return (this.lines(value) ?? value.map((v) => this.strings(v, depth + 1))) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.strings(v, depth + 1);
    return out as T;
  }

  /** A deep copy with every string redacted and every value under a secret-looking key masked. */
  object<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (value === null || typeof value !== 'object' || depth > 12) return value;
    if (value instanceof Error) {
      const e = value as Error & { code?: unknown };
      return {
        type: e.name,
        message: this.text(e.message),
        ...(e.code !== undefined ? { code: e.code } : {}),
        stack: e.stack ? this.text(e.stack) : undefined,
        ...(e.cause !== undefined ? { cause: this.object(e.cause, depth + 1) } : {}),
      } as T;
    }
    // Bytes (a chart image) carry no text to mask.
    if (ArrayBuffer.isView(value) || value instanceof Date) return value;
    if (Array.isArray(value)) return (this.lines(value) ?? value.map((v) => this.object(v, depth + 1))) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && typeof v === 'string' && v !== '' ? REDACTED : this.object(v, depth + 1);
    }
    return out as T;
  }
}

/** Every string in a config-shaped object that sits under a secret-looking key. */
export function collectSecrets(value: unknown, out: string[] = []): string[] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' && isSecretKey(k)) out.push(v);
      else collectSecrets(v, out);
    }
  }
  return out;
}
