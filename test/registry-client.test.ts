/**
 * The registry client against a real registry: Debian's docker-registry (CNCF distribution 2.8)
 * on loopback, anonymous and behind Docker token authentication. What is proved here is what a
 * registry really answers — manifest media types, indexes, 401 challenges, error bodies —
 * not what our own code expects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, UpstreamError } from '../src/core/errors.ts';
import { RegistryClient, type RegistryEndpoint } from '../src/plugins/registry/client.ts';
import { hasRegistry, startRegistry, type TestRegistry } from './support/oci-registry.ts';

const missing = hasRegistry()
  ? undefined
  : 'docker-registry is not installed (Debian: apt-get install docker-registry)';
// On CI every tool the suite needs is there: a missing registry fails the run instead of skipping.
if (missing && process.env.CI) throw new Error(`The registry is needed on CI: ${missing}`);

const client = (r: TestRegistry, more: Partial<RegistryEndpoint> = {}) =>
  new RegistryClient({ host: r.host, url: r.url, timeoutMs: 5000, platform: 'linux/amd64', ...more });

describe.skipIf(missing)('registry client, anonymous pulls', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    for (const t of ['1.4.0', '1.4.1', '1.5.0-rc.1', 'latest'])
      await reg.push('team/api', t, { created: `2026-11-0${t.length % 9}T10:00:00Z` });
  }, 30_000);
  afterAll(() => reg?.stop());

  it('lists every tag of a repository', async () => {
    // In no particular order: distribution 2.8 does not sort them (the spec's lexical order came later).
    expect((await client(reg).tags('team/api')).sort()).toEqual(['1.4.0', '1.4.1', '1.5.0-rc.1', 'latest']);
  });

  it('reads the build time and labels from the image config, and the digest the tag points at', async () => {
    const digest = await reg.push('team/web', '2.0.0', {
      created: '2026-11-20T08:30:00Z',
      labels: { 'org.opencontainers.image.revision': '3f9c2e1' },
    });
    const img = await client(reg).inspect('team/web', '2.0.0');
    expect(img).toEqual({
      digest,
      manifestDigest: digest,
      created: '2026-11-20T08:30:00Z',
      labels: { 'org.opencontainers.image.revision': '3f9c2e1' },
    });
  });

  it('resolves a multi-platform index to the configured platform', async () => {
    const index = await reg.push('team/multi', '1.0.0', {
      created: '2026-11-21T08:30:00Z',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const amd = await client(reg).inspect('team/multi', '1.0.0');
    const arm = await client(reg, { platform: 'linux/arm64' }).inspect('team/multi', '1.0.0');
    expect(amd.digest).toBe(index);
    expect(arm.digest).toBe(index);
    expect(amd.manifestDigest).not.toBe(arm.manifestDigest);
    await expect(client(reg, { platform: 'linux/s390x' }).inspect('team/multi', '1.0.0')).rejects.toThrow(
      /has no image for linux\/s390x/,
    );
  });

  it('says which tag or repository does not exist', async () => {
    const c = client(reg);
    const tag = await c.inspect('team/api', '9.9.9').catch((e: Error) => e);
    expect(tag).toBeInstanceOf(NotFoundError);
    expect((tag as Error).message).toBe(
      `${reg.host}/team/api has no such tag or digest (read team/api:9.9.9).`,
    );
    const repo = await c.tags('team/nothing').catch((e: Error) => e);
    expect(repo).toBeInstanceOf(NotFoundError);
    expect((repo as Error).message).toMatch(
      /team\/nothing does not exist, or deckhand may not see it \(NAME_UNKNOWN/,
    );
  });

  it('answers within its deadline when the registry is gone', async () => {
    // Nothing listens on port 2 and no port-0 server can be given it; a port just freed can be.
    const gone = { host: '127.0.0.1:2', url: 'http://127.0.0.1:2' } as TestRegistry;
    const e = await client(gone, { timeoutMs: 2000 })
      .tags('team/api')
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).failure).toBe('unreachable');
    expect((e as Error).message).toMatch(/Cannot reach the registry 127\.0\.0\.1:2 .*ECONNREFUSED/);
  });
});

describe.skipIf(missing)('registry client, Docker token authentication', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startRegistry({ auth: 'token', users: { robot: 'robot-secret' } });
    await reg.push('team/private', '1.0.0', { created: '2026-11-22T08:30:00Z' });
  }, 30_000);
  afterAll(() => reg?.stop());

  it('follows the challenge to the realm with its credentials and reuses the token for the scope', async () => {
    reg.tokenRequests.length = 0;
    const c = client(reg, { username: 'robot', password: 'robot-secret' });
    expect(await c.tags('team/private')).toEqual(['1.0.0']);
    expect((await c.inspect('team/private', '1.0.0')).created).toBe('2026-11-22T08:30:00Z');
    expect(reg.tokenRequests).toEqual([{ scope: 'repository:team/private:pull', authorized: true }]);
  });

  it('without credentials, says the registry wants some', async () => {
    const e = await client(reg)
      .tags('team/private')
      .catch((x: Error) => x);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).failure).toBe('unauthorized');
    expect((e as Error).message).toBe(
      `The registry ${reg.host} wants credentials, and deckhand has none for it (HTTP 401).`,
    );
  });

  it('with wrong credentials, says they were refused and never echoes them', async () => {
    const e = await client(reg, { username: 'robot', password: 'wrong-password-123' })
      .tags('team/private')
      .catch((x: Error) => x);
    expect((e as UpstreamError).failure).toBe('unauthorized');
    expect((e as Error).message).toBe(`The registry ${reg.host} refused deckhand's credentials (HTTP 401).`);
    expect(JSON.stringify({ m: (e as Error).message, h: (e as UpstreamError).hint })).not.toContain(
      'wrong-password',
    );
  });
});
