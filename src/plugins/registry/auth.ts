/**
 * How a registry asks for credentials and how they are given, as the Docker token authentication
 * spec describes it (distribution docs/spec/auth/token.md): a 401 carries
 * `WWW-Authenticate: Bearer realm="…",service="…",scope="…"`; the client asks the realm for a token
 * for that service and scope (with Basic credentials when it has them, anonymously otherwise) and
 * sends it as `Authorization: Bearer`. A registry may instead ask for Basic credentials directly
 * (`WWW-Authenticate: Basic realm="…"`, as distribution's htpasswd auth does).
 */

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/**
 * Parse a WWW-Authenticate header (RFC 7235 auth-params: token=token or token="quoted string").
 * Only the first challenge is read: registries send one.
 */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/g;
  for (const p of (m[2] as string).matchAll(re)) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

/** The token endpoint's answer: `token` and/or `access_token` (OAuth2 name), `expires_in` seconds. */
export interface TokenAnswer {
  token?: string;
  access_token?: string;
  expires_in?: number;
}

/**
 * The token spec's default lifetime when `expires_in` is absent is 60 s; a token is dropped a few
 * seconds early so a call never starts with one about to expire.
 */
export function tokenLifetimeMs(answer: TokenAnswer): number {
  const seconds = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
  return Math.max(1, seconds - 5) * 1000;
}

/** `repository:<name>:pull`, the scope a read of one repository needs. */
export const pullScope = (repository: string): string => `repository:${repository}:pull`;

export const basic = (username: string, password: string): string =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
