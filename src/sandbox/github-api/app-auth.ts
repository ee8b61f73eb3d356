/**
 * The sandbox GitHub as a GitHub App sees it: the app authenticates with a JSON Web Token signed
 * with its private key, finds the installation of a repository's owner, and trades the JWT for an
 * installation access token that expires. Rules from GitHub's docs:
 * - "Generating a JSON Web Token (JWT) for a GitHub App": RS256; `iss` the app's client ID or app
 *   ID; `iat` may be set up to 60 s in the past for clock drift; `exp` no more than 10 minutes into
 *   the future. GitHub's refusals are the messages @octokit/auth-app recognises (hook.js).
 * - "Create an installation access token for an app" (POST /app/installations/{id}/access_tokens,
 *   201 with token, expires_at, permissions, repository_selection), "Get a repository
 *   installation for the authenticated app" (GET /repos/{owner}/{repo}/installation), and the org
 *   and user variants. Installation tokens start `ghs_`; they act as `<slug>[bot]` and reach only
 *   the installation account's repositories (others answer 404, as for a repository not seen).
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { GitHubError, notFound } from './api.ts';

export interface GitHubAppOptions {
  id: number;
  slug: string;
  /** The app's public key (PEM); the bot holds the private one. */
  publicKey: string;
  /** How long an installation token lives (GitHub: one hour). */
  tokenTtlMs?: number;
  /** The accounts the app is installed on. */
  installations: { id: number; account: string }[];
}

const HOUR = 3_600_000;

export class GitHubApp {
  private readonly opts: GitHubAppOptions;
  private readonly key: KeyObject;
  private readonly clock: () => number;
  private readonly tokens = new Map<string, { installation: number; account: string; expires: number }>();
  /** Installation tokens issued so far (tests count refreshes). */
  issued = 0;

  /** `clock`: wall time, whatever the world's clock says: JWTs and token lifetimes are real time. */
  constructor(opts: GitHubAppOptions, clock: () => number = Date.now) {
    this.opts = opts;
    this.key = createPublicKey(opts.publicKey);
    this.clock = clock;
  }

  get login(): string {
    return `${this.opts.slug}[bot]`;
  }

  /** The installation an installation token belongs to, while it lives. */
  installationOf(token: string): { account: string } | undefined {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    if (t.expires <= this.clock()) {
      this.tokens.delete(token);
      return undefined;
    }
    return { account: t.account };
  }

  /** Whether `token` looks like a JWT (three base64url parts), so it is checked as one. */
  static isJwt(token: string): boolean {
    return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
  }

  /** Check a JWT as GitHub does; throws GitHub's 401 when it would refuse. */
  verifyJwt(jwt: string): void {
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const decode = (part: string): Record<string, unknown> | undefined => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    };
    const header = decode(h);
    const claims = decode(p);
    const signed =
      header?.alg === 'RS256' &&
      verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.key, Buffer.from(s, 'base64url'));
    if (!header || !claims || !signed) throw new GitHubError(401, 'A JSON web token could not be decoded');
    const now = Math.floor(this.clock() / 1000);
    const { iat, exp, iss } = claims;
    // GitHub refuses an `iat` in the future (the docs say set it 60 s in the past for drift);
    // @octokit/auth-app retries with the time GitHub's Date header gives.
    if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now)
      throw new GitHubError(
        401,
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      );
    if (typeof exp !== 'number' || !Number.isInteger(exp) || exp <= now)
      throw new GitHubError(
        401,
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      );
    if (exp - now > 600)
      throw new GitHubError(401, "'Expiration time' claim ('exp') is too far in the future");
    if (String(iss) !== String(this.opts.id))
      throw new GitHubError(401, 'A JSON web token could not be decoded');
  }

  /** Answer an app route (`jwt` already verified); undefined when the path is not one. */
  route(
    method: string,
    path: string,
    web: string,
    api: string,
  ): { status: number; body: unknown } | undefined {
    const installation = (i: { id: number; account: string }) => ({
      id: i.id,
      account: { login: i.account, id: i.id * 7, type: 'Organization', html_url: `${web}/${i.account}` },
      app_id: this.opts.id,
      app_slug: this.opts.slug,
      target_type: 'Organization',
      repository_selection: 'all',
      access_tokens_url: `${api}/app/installations/${i.id}/access_tokens`,
      html_url: `${web}/organizations/${i.account}/settings/installations/${i.id}`,
      permissions: { contents: 'write', pull_requests: 'write', checks: 'read', statuses: 'read' },
      events: ['pull_request', 'pull_request_review', 'issue_comment', 'check_run'],
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    });
    const byAccount = (account: string) =>
      this.opts.installations.find((i) => i.account.toLowerCase() === account.toLowerCase());
    if (method === 'GET' && path === '/app')
      return {
        status: 200,
        body: {
          id: this.opts.id,
          slug: this.opts.slug,
          name: this.opts.slug,
          html_url: `${web}/apps/${this.opts.slug}`,
        },
      };
    if (method === 'GET' && path === '/app/installations')
      return { status: 200, body: this.opts.installations.map(installation) };
    const owner =
      /^\/repos\/([^/]+)\/[^/]+\/installation$/.exec(path)?.[1] ??
      /^\/(?:orgs|users)\/([^/]+)\/installation$/.exec(path)?.[1];
    if (method === 'GET' && owner) {
      const i = byAccount(decodeURIComponent(owner));
      if (!i) throw notFound();
      return { status: 200, body: installation(i) };
    }
    const id = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path)?.[1];
    if (method === 'POST' && id) {
      const i = this.opts.installations.find((x) => x.id === Number(id));
      if (!i) throw notFound();
      const token = `ghs_${randomBytes(18).toString('base64url')}`;
      // GitHub gives expires_at to the second; the token lapses then.
      const expires = Math.floor((this.clock() + (this.opts.tokenTtlMs ?? HOUR)) / 1000) * 1000;
      this.tokens.set(token, { installation: i.id, account: i.account, expires });
      this.issued++;
      return {
        status: 201,
        body: {
          token,
          expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: installation(i).permissions,
          repository_selection: 'all',
        },
      };
    }
    return undefined;
  }
}
