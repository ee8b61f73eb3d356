/**
 * deckhand acting as a GitHub App against the sandbox GitHub, through @octokit/auth-app: the JWT
 * signed with the app's key, the installation of the repository's owner, installation tokens that
 * expire and are replaced before they do, and GitHub's refusals of what is forged or expired.
 */
import { generateKeyPairSync, createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../../core/errors.ts';
import { GitOpsConfigSchema } from '../../plugins/gitops-pr/config.ts';
import { GitHubHost, tokenCache } from '../../plugins/gitops-pr/hosts/github.ts';
import { R, REPO_URL, SLOW, branchWith, start, type Fixture } from './testing.ts';
import type { GitHubApp } from './app-auth.ts';

const pair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const KEY = pair();
// GitHub's tokens live an hour; these a second at most (expires_at is to the second).
const TTL_MS = 1200;

let f: Fixture;
const asApp = (opts: { installationId?: number; privateKey?: string } = {}) =>
  new GitHubHost({
    name: 'github',
    host: 'github.com',
    apiUrl: f.url,
    app: { id: 4242, privateKey: opts.privateKey ?? KEY.privateKey, ...opts },
    timeoutMs: 10_000,
  });
const app = () => (f.server as { app?: GitHubApp }).app;

/** A JWT as the docs describe it, with claims and key chosen by the test. */
function jwt(claims: Record<string, unknown>, key = KEY.privateKey): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(key, 'base64url')}`;
}
const raw = (path: string, token: string, method = 'GET') =>
  fetch(`${f.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  f = await start(undefined, {
    clock: Date.now,
    app: {
      id: 4242,
      slug: 'deckhand',
      publicKey: KEY.publicKey,
      tokenTtlMs: TTL_MS,
      installations: [{ id: 77, account: 'acme' }],
    },
  });
}, 60_000);
afterAll(() => f?.cleanup());

describe('deckhand as a GitHub App', () => {
  it('reads and writes as the installation of the owner, as <slug>[bot]', SLOW, async () => {
    const host = asApp();
    const head = await host.branchHead(REPO_URL, 'main');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    await branchWith(f, 'as-the-app', { 'README.md': 'opened by the app\n' });
    const pr = await host.openPullRequest(REPO_URL, {
      head: 'as-the-app',
      base: 'main',
      title: 'As the app',
      body: 'opened by the app',
    });
    expect(pr.author).toBe('deckhand[bot]');
    const { data } = await f.octokit.repos.listCommits({ ...R, per_page: 1 });
    expect(data[0]?.sha).toBe(head);
  });

  it(
    'commits as <slug>[bot] with no author of its own, so GitHub signs it; a token commit stays unsigned',
    SLOW,
    async () => {
      const base = await f.host.branchHead(REPO_URL, 'main');
      const change = (branch: string) => ({
        branch,
        baseSha: base,
        message: `signed?\n\nRequested-by: alice`,
        changes: [{ path: `${branch}.txt`, content: 'x\n' }],
        author: { name: 'deckhand', email: 'deckhand@example.com' },
      });
      const asTheApp = await asApp().commitFiles(REPO_URL, change('by-the-app'));
      const byToken = await f.host.commitFiles(REPO_URL, change('by-a-token'));
      const read = async (sha: string) => (await f.octokit.git.getCommit({ ...R, commit_sha: sha })).data;
      const app = await read(asTheApp.sha);
      expect([
        app.author.name,
        app.committer.name,
        app.verification?.verified,
        app.verification?.reason,
      ]).toEqual(['deckhand[bot]', 'GitHub', true, 'valid']);
      expect(app.message).toContain('Requested-by: alice');
      const token = await read(byToken.sha);
      expect([token.author.name, token.verification?.verified]).toEqual(['deckhand', false]);
    },
  );

  it(
    'uses a token until shortly before it expires, then a new one, with no request refused',
    SLOW,
    async () => {
      const host = asApp({ installationId: 77 });
      await host.branchHead(REPO_URL, 'main');
      const issued = app()?.issued as number;
      await host.branchHead(REPO_URL, 'main');
      expect(app()?.issued).toBe(issued);
      // Past the token's life (400 ms here; GitHub's is an hour): a new token, not a 401.
      await new Promise((r) => setTimeout(r, TTL_MS + 50));
      await host.branchHead(REPO_URL, 'main');
      expect(app()?.issued).toBe(issued + 1);
    },
  );

  it('is not installed on other owners: their repositories are not found', SLOW, async () => {
    const err = await asApp()
      .branchHead('https://github.com/someone-else/infra', 'main')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
  });

  it('refuses a forged, expired or too long JWT, and an expired installation token', SLOW, async () => {
    const now = Math.floor(Date.now() / 1000);
    const ok = { iss: 4242, iat: now - 30, exp: now + 540 };
    expect((await raw('/app', jwt(ok))).status).toBe(200);
    const forged = await raw('/app', jwt(ok, pair().privateKey));
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { message: string }).message).toBe(
      'A JSON web token could not be decoded',
    );
    const expired = await raw('/app', jwt({ ...ok, exp: now - 1 }));
    expect(((await expired.json()) as { message: string }).message).toMatch(
      /'Expiration time' claim \('exp'\) must be a numeric value/,
    );
    const long = await raw('/app', jwt({ ...ok, exp: now + 3600 }));
    expect(((await long.json()) as { message: string }).message).toBe(
      "'Expiration time' claim ('exp') is too far in the future",
    );
    expect((await raw('/app', jwt({ ...ok, iss: 1 }))).status).toBe(401);
    // The JWT is for the app's routes only.
    expect((await raw('/repos/acme/infra', jwt(ok))).status).toBe(401);
    const minted = await raw('/app/installations/77/access_tokens', jwt(ok), 'POST');
    expect(minted.status).toBe(201);
    const { token, expires_at } = (await minted.json()) as { token: string; expires_at: string };
    expect(token).toMatch(/^ghs_/);
    expect(Date.parse(expires_at)).toBeGreaterThan(Date.now() - 1000);
    expect((await raw('/repos/acme/infra', token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, TTL_MS + 20));
    const lapsed = await raw('/repos/acme/infra', token);
    expect(lapsed.status).toBe(401);
    expect(((await lapsed.json()) as { message: string }).message).toBe('Bad credentials');
  });
});

describe('the token cache', () => {
  it('gives a token out until a tenth of its life (at most five minutes) before it expires', () => {
    let t = Date.parse('2026-12-01T10:00:00Z');
    const cache = tokenCache(() => t);
    cache.set('k', 'ghs_x|2026-12-01T10:00:00.000Z|2026-12-01T11:00:00Z|all|contents!|');
    t += 54 * 60_000;
    expect(cache.get('k')).toMatch(/^ghs_x\|/);
    t += 60_001;
    expect(cache.get('k')).toBeUndefined();
    cache.set('bad', 'not a cache value');
    expect(cache.get('bad')).toBeUndefined();
  });
});

describe('the configuration of a GitHub host', () => {
  it('takes a token or an app, not both and not neither', () => {
    const parse = (host: Record<string, unknown>) =>
      GitOpsConfigSchema.safeParse({ hosts: [{ type: 'github', ...host }] });
    const app = { id: 1, privateKey: KEY.privateKey };
    expect(parse({ token: 'ghp_x' }).success).toBe(true);
    expect(parse({ app }).success).toBe(true);
    expect(parse({ token: 'ghp_x', app }).success).toBe(false);
    expect(parse({}).success).toBe(false);
    expect(parse({ app: { id: 1, privateKey: 'not a key' } }).success).toBe(false);
  });
});
