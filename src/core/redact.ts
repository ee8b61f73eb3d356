/**
 * Redaction of secrets from logs and chat: by key name (token, password, secret, authorization,
 * cookie, …) and by value (every secret the configuration holds, wherever it shows up).
 */
const secretKey =
  /(token|password|passwd|secret|authorization|cookie|api[-_]?key|private[-_]?key|credential)/i;
export const REDACTED = '[redacted]';

export const isSecretKey = (k: string): boolean => secretKey.test(k) && !/File$/.test(k);

export class Redactor {
  private values: string[] = [];

  /** Remember secret values (shorter than 6 characters they would mask ordinary words). */
  addSecrets(values: Iterable<string>): void {
    for (const v of values) if (v.length >= 6 && !this.values.includes(v)) this.values.push(v);
    this.values.sort((a, b) => b.length - a.length);
  }

  text(s: string): string {
    let out = s;
    for (const v of this.values) if (out.includes(v)) out = out.split(v).join(REDACTED);
    // Bearer tokens in headers or URLs that were never configured (e.g. passed through an error).
    return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`);
  }

  object<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.text(value) as T;
    if (value === null || typeof value !== 'object' || depth > 8) return value;
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
    if (Array.isArray(value)) return value.map((v) => this.object(v, depth + 1)) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] =
        isSecretKey(k) && v !== undefined && v !== null && v !== '' ? REDACTED : this.object(v, depth + 1);
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
