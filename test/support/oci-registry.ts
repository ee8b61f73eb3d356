/**
 * A real registry under the registry client: Debian's `docker-registry` (the CNCF distribution
 * server, github.com/distribution/distribution 2.8) started on loopback with its storage in a temp
 * dir. Images are pushed through its HTTP API as a client would (distribution-spec "Pushing
 * blobs", "Pushing manifests"). With `auth: 'token'`, the registry is configured for Docker token
 * authentication and this file serves the token realm: it checks Basic credentials and signs JWTs
 * with a throwaway certificate the registry trusts (distribution docs/spec/auth/jwt.md) — the
 * registry, not this file, decides whether a token is good.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { digestOf, Repository, type ImageDescription } from '../../src/sandbox/registry-api/images.ts';

/** Build time, labels and platforms (several make an OCI image index). */
export type PushedImage = Omit<ImageDescription, 'tag'>;

export interface TestRegistry {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `127.0.0.1:<port>`, as image references name it. */
  host: string;
  /** Push an image; returns the digest the tag points at (the index's for several platforms). */
  push(repository: string, tag: string, image?: PushedImage): Promise<string>;
  /** Requests the token realm answered, with whether they carried credentials. */
  tokenRequests: { scope: string | null; authorized: boolean }[];
  stop(): Promise<void>;
}

/** Whether this machine can run the registry (CI installs it: .ci/run). */
export const hasRegistry = (): boolean => spawnSync('docker-registry', ['--version']).status === 0;

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startRegistry(
  opts: { auth?: 'none' | 'token'; users?: Record<string, string> } = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-registry-'));
  const users = opts.users ?? { robot: 'robot-secret' };
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let realm: Server | undefined;
  let authBlock = '';
  let keyPem = '';
  let certDer = Buffer.alloc(0);
  if (opts.auth === 'token') {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=deckhand-test-issuer',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    certDer = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    realm = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const header = req.headers.authorization ?? '';
      const [user, pass] = header.startsWith('Basic ')
        ? Buffer.from(header.slice(6), 'base64').toString().split(':')
        : [];
      const authorized = user !== undefined && users[user] === pass;
      tokenRequests.push({ scope: u.searchParams.get('scope'), authorized });
      if (header && !authorized) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"details":"incorrect username or password"}');
        return;
      }
      // Anonymous callers get a token without access, as Docker Hub gives for a private repository.
      const access = (u.searchParams.getAll('scope') ?? []).flatMap((s) => {
        const [type, name, actions] = s.split(':');
        return authorized ? [{ type, name, actions: (actions ?? '').split(',') }] : [];
      });
      const now = Math.floor(Date.now() / 1000);
      const head = { typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] };
      const claims = {
        iss: 'deckhand-test-issuer',
        sub: user ?? '',
        aud: u.searchParams.get('service'),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      };
      const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
      const sig = sign('sha256', Buffer.from(input), createPrivateKey(keyPem));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token: `${input}.${b64url(sig)}`, expires_in: 300 }));
    });
    await new Promise<void>((r) => realm!.listen(0, '127.0.0.1', r));
    const port = (realm.address() as AddressInfo).port;
    authBlock = `auth:
  token:
    realm: http://127.0.0.1:${port}/token
    service: deckhand-test-registry
    issuer: deckhand-test-issuer
    rootcertbundle: ${join(dir, 'cert.pem')}
`;
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1
log: { level: info }
storage:
  filesystem: { rootdirectory: ${join(dir, 'data')} }
http:
  addr: 127.0.0.1:0
  secret: deckhand-test
${authBlock}`,
  );
  const proc: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const host = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`docker-registry exited (${code}): ${out}`)));
    setTimeout(() => reject(new Error(`docker-registry did not start: ${out}`)), 15_000).unref();
  });
  const url = `http://${host}`;

  // Pushing needs a token with push access when the registry asks for one.
  const pushAuth = async (repository: string): Promise<Record<string, string>> => {
    if (!realm) return {};
    const port = (realm.address() as AddressInfo).port;
    const [user, pass] = Object.entries(users)[0] as [string, string];
    const res = await fetch(
      `http://127.0.0.1:${port}/token?service=deckhand-test-registry&scope=repository:${repository}:pull,push`,
      { headers: { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` } },
    );
    tokenRequests.pop(); // the helper's own request is not the client's
    return { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
  };
  const ok = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
    return res;
  };
  const putBlob = async (repository: string, data: Buffer, auth: Record<string, string>) => {
    const digest = digestOf(data);
    const start = await ok(
      await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: auth }),
      'start upload',
    );
    const loc = new URL(start.headers.get('location') as string, url);
    loc.searchParams.set('digest', digest);
    await ok(
      await fetch(loc, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: new Uint8Array(data),
      }),
      'finish upload',
    );
  };
  const putManifest = async (
    repository: string,
    ref: string,
    body: Buffer,
    type: string,
    auth: Record<string, string>,
  ) => {
    await ok(
      await fetch(`${url}/v2/${repository}/manifests/${ref}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': type },
        body: new Uint8Array(body),
      }),
      `put manifest ${ref}`,
    );
  };

  return {
    url,
    host,
    tokenRequests,
    async push(repository, tag, image = {}) {
      // The bytes are the sandbox registry's own (src/sandbox/registry-api/images.ts), so the same
      // description gives the same digests in both registries.
      const made = new Repository();
      const digest = made.add(repository, { tag, ...image });
      const auth = await pushAuth(repository);
      for (const blob of made.blobs.values()) await putBlob(repository, blob, auth);
      // Platform manifests by digest first: an index may only name manifests the registry has.
      for (const [d, m] of made.manifests)
        if (d !== digest) await putManifest(repository, d, m.body, m.mediaType, auth);
      const top = made.manifests.get(digest)!;
      await putManifest(repository, tag, top.body, top.mediaType, auth);
      return digest;
    },
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) =>
        proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once('exit', r),
      );
      await new Promise((r) => (realm ? realm.close(r) : r(null)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
