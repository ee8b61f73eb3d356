/**
 * What the real registry of test/registry-client.test.ts cannot show: distribution 2.8 (Debian's
 * docker-registry) returns every tag in one answer, while registries that paginate (distribution
 * 3, GHCR, Docker Hub, Harbor) answer `n` tags and a `Link: <…?n=…&last=…>; rel="next"` header
 * (distribution-spec spec.md, "Listing Tags"). A loopback server that paginates as the spec says
 * stands in for them here; the challenge strings are the token spec's own examples.
 */
import { createServer } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge } from './auth.ts';
import { nextPage, RegistryClient } from './client.ts';

describe('tag pages', () => {
  const all = Array.from({ length: 2345 }, (_, i) => `t${String(i).padStart(4, '0')}`);
  const asked: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    asked.push(u.search);
    // Spec: at most n results, lexically after `last`; a Link header when more remain. A real
    // registry may cap n below what was asked (this one at 500).
    const n = Math.min(Number(u.searchParams.get('n') ?? all.length), 500);
    const last = u.searchParams.get('last');
    const rest = last ? all.filter((t) => t > last) : all;
    const page = rest.slice(0, n);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (rest.length > n) headers.link = `</v2/team/api/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
    res.writeHead(200, headers).end(JSON.stringify({ name: 'team/api', tags: page }));
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('follows rel="next" until the last page, keeping the order', async () => {
    const c = new RegistryClient({ host: 'reg.test', url, timeoutMs: 2000, platform: 'linux/amd64' });
    expect(await c.tags('team/api')).toEqual(all);
    expect(asked).toEqual([
      '?n=1000',
      '?n=500&last=t0499',
      '?n=500&last=t0999',
      '?n=500&last=t1499',
      '?n=500&last=t1999',
    ]);
  });
});

describe('Link and WWW-Authenticate headers', () => {
  it('finds the next page among other relations', () => {
    expect(nextPage('</v2/a/tags/list?n=2&last=b>; rel="next"')).toBe('/v2/a/tags/list?n=2&last=b');
    expect(nextPage('<https://x/prev>; rel="prev", <https://x/next>; rel=next')).toBe('https://x/next');
    expect(nextPage('<https://x/prev>; rel="prev"')).toBeUndefined();
    expect(nextPage(null)).toBeUndefined();
  });

  it('reads the token spec example challenge and a Basic one', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
    expect(parseChallenge('Basic realm="basic-realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'basic-realm' },
    });
    expect(parseChallenge('Negotiate')).toBeUndefined();
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('a token realm over plain http on another host', () => {
  // This machine's address on its network: a realm there is not on loopback, so the credentials
  // would cross a network in clear text.
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  const heard: (string | undefined)[] = [];
  let anonymousTokens = false;
  const realm = createServer((req, res) => {
    heard.push(req.headers.authorization);
    if (anonymousTokens) res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"anon"}');
    else res.writeHead(401).end();
  });
  let registryUrl = '';
  const registry = createServer((_req, res) => {
    const port = (realm.address() as AddressInfo).port;
    res
      .writeHead(401, { 'www-authenticate': `Bearer realm="http://${lan}:${port}/token",service="reg"` })
      .end();
  });
  beforeAll(async () => {
    if (!lan) throw new Error('this test needs a network address that is not loopback');
    await new Promise<void>((r) => realm.listen(0, lan, r));
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => realm.close(r));
    await new Promise((r) => registry.close(r));
  });

  /** What a client with credentials gets from this registry: the error of listing its tags. */
  const refusal = () =>
    new RegistryClient({
      host: 'reg.test',
      url: registryUrl,
      username: 'robot',
      password: 'robot-secret',
      timeoutMs: 2000,
      platform: 'linux/amd64',
    })
      .tags('team/api')
      .catch((x: Error) => x);

  it('gets no credentials, and the refusal says why', async () => {
    anonymousTokens = false;
    heard.length = 0;
    const e = await refusal();
    expect(heard).toEqual([undefined]);
    expect((e as Error).message).toBe(
      `The registry reg.test sends deckhand for a token to http://${lan}:${(realm.address() as AddressInfo).port} over plain http; deckhand does not send its credentials there (HTTP 401 without them).`,
    );
  });

  it('says the same when the realm gives an anonymous token the registry then refuses', async () => {
    anonymousTokens = true;
    heard.length = 0;
    const e = await refusal();
    expect(heard).toEqual([undefined]);
    expect((e as Error).message).toMatch(
      /over plain http; deckhand does not send its credentials there \(HTTP 401/,
    );
  });
});
