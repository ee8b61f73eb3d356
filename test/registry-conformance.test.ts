/**
 * The sandbox's registry against the real one: the same images and the same requests, answered by
 * Debian's docker-registry (CNCF distribution 2.8) and by src/sandbox/registry-api. Where they
 * disagree the sandbox is wrong — except for tag pages, which the sandbox gives as the
 * distribution spec says (`n`, `last`, `Link`) and 2.8 does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../src/plugins/registry/client.ts';
import { SandboxServer } from '../src/sandbox/http.ts';
import { Repository, type ImageDescription } from '../src/sandbox/registry-api/images.ts';
import { registryError, registryHandler } from '../src/sandbox/registry-api/server.ts';
import { hasRegistry, startRegistry } from './support/oci-registry.ts';

const missing = hasRegistry()
  ? undefined
  : 'docker-registry is not installed (Debian: apt-get install docker-registry)';
// On CI every tool the suite needs is there: a missing registry fails the run instead of skipping.
if (missing && process.env.CI) throw new Error(`The registry is needed on CI: ${missing}`);

const images: Record<string, ImageDescription[]> = {
  'team/api': [
    { tag: '1.4.0', created: '2026-11-01T10:00:00Z' },
    {
      tag: '1.4.1',
      created: '2026-11-03T10:00:00Z',
      labels: { 'org.opencontainers.image.revision': '3f9c2e1' },
    },
    { tag: 'latest', created: '2026-11-03T10:00:00Z' },
  ],
  'team/multi': [
    { tag: '2.0.0', created: '2026-11-05T10:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] },
  ],
};

interface Target {
  url: string;
  host: string;
  digests: Record<string, string>;
  stop(): Promise<void>;
}

async function real(): Promise<Target> {
  const reg = await startRegistry();
  const digests: Record<string, string> = {};
  for (const [repo, list] of Object.entries(images))
    for (const { tag, ...rest } of list) digests[`${repo}:${tag}`] = await reg.push(repo, tag, rest);
  return { url: reg.url, host: reg.host, digests, stop: () => reg.stop() };
}

async function sandbox(): Promise<Target> {
  const repos = new Map<string, Repository>();
  const digests: Record<string, string> = {};
  for (const [name, list] of Object.entries(images)) {
    const repo = new Repository();
    for (const img of list) digests[`${name}:${img.tag}`] = repo.add(name, img);
    repos.set(name, repo);
  }
  const server = new SandboxServer({
    name: 'registry',
    handler: registryHandler(repos),
    faults: { faults: { latencyMs: 0, errorRate: 0, down: false } },
    unavailable: (res) => registryError(res, 503, 'UNAVAILABLE', 'service unavailable'),
  });
  const url = await server.listen();
  return { url, host: new URL(url).host, digests, stop: () => server.close() };
}

const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json';

describe.skipIf(missing).each([
  ['docker-registry (distribution 2.8)', real],
  ['the sandbox registry', sandbox],
])('%s', (_name, start) => {
  let t: Target;
  beforeAll(async () => {
    t = await start();
  }, 30_000);
  afterAll(() => t?.stop());

  const get = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, init);
  const errorCode = async (res: Response) =>
    ((await res.json()) as { errors: { code: string }[] }).errors[0]?.code;

  it('answers the version check with its API version header', async () => {
    const res = await get('/v2/');
    expect(res.status).toBe(200);
    expect(res.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('serves a manifest with its media type and digest, on GET and on HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const res = await get('/v2/team/api/manifests/1.4.1', { method, headers: { accept: ACCEPT } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(res.headers.get('docker-content-digest')).toBe(t.digests['team/api:1.4.1']);
    }
    const index = await get('/v2/team/multi/manifests/2.0.0', { headers: { accept: ACCEPT } });
    expect(index.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('lists the tags of a repository', async () => {
    const body = (await (await get('/v2/team/api/tags/list')).json()) as { name: string; tags: string[] };
    expect(body.name).toBe('team/api');
    expect(body.tags.sort()).toEqual(['1.4.0', '1.4.1', 'latest']);
  });

  it('says what is unknown with the spec error codes', async () => {
    expect(await errorCode(await get('/v2/team/nothing/tags/list'))).toBe('NAME_UNKNOWN');
    expect(await errorCode(await get('/v2/Team/api/tags/list'))).toBe('NAME_UNKNOWN');
    const tag = await get('/v2/team/api/manifests/9.9.9', { headers: { accept: ACCEPT } });
    expect(tag.status).toBe(404);
    expect(await tag.json()).toEqual({
      errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: '9.9.9' } }],
    });
    const zero = `sha256:${'0'.repeat(64)}`;
    expect(await errorCode(await get(`/v2/team/api/blobs/${zero}`))).toBe('BLOB_UNKNOWN');
    expect(await errorCode(await get(`/v2/team/nothing/manifests/${zero}`))).toBe('MANIFEST_UNKNOWN');
  });

  it("reads the same image through deckhand's client", async () => {
    const c = new RegistryClient({ host: t.host, url: t.url, timeoutMs: 3000, platform: 'linux/arm64' });
    expect(await c.inspect('team/api', '1.4.1')).toEqual({
      digest: t.digests['team/api:1.4.1'],
      manifestDigest: t.digests['team/api:1.4.1'],
      created: '2026-11-03T10:00:00Z',
      labels: { 'org.opencontainers.image.revision': '3f9c2e1' },
    });
    expect((await c.inspect('team/multi', '2.0.0')).digest).toBe(t.digests['team/multi:2.0.0']);
  });
});

describe('the sandbox registry pages tags as the spec says', () => {
  it('gives n tags after last, and a Link to the next page', async () => {
    const t = await sandbox();
    try {
      const first = await fetch(`${t.url}/v2/team/api/tags/list?n=2`);
      expect(((await first.json()) as { tags: string[] }).tags).toEqual(['1.4.0', '1.4.1']);
      expect(first.headers.get('link')).toBe('</v2/team/api/tags/list?n=2&last=1.4.1>; rel="next"');
      const c = new RegistryClient({ host: t.host, url: t.url, timeoutMs: 3000, platform: 'linux/amd64' });
      expect(await c.tags('team/api')).toEqual(['1.4.0', '1.4.1', 'latest']);
    } finally {
      await t.stop();
    }
  });
});
