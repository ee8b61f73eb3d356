/**
 * The sandbox's container registry: the read side of the OCI distribution API
 * (opencontainers/distribution-spec spec.md) over the images a scenario describes, for one
 * registry host. Answers as distribution does — `Docker-Distribution-API-Version`, the
 * `Docker-Content-Digest` of every manifest, `{"errors":[{code,message,detail}]}` bodies with the
 * spec's codes — and pages tags as the spec says (`n`, `last`, a `Link: …; rel="next"` header),
 * which newer registries do and distribution 2.8 does not. Read-only: writes get 405 UNSUPPORTED,
 * as a registry in read-only mode answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxServer, type FaultSource, type Handler } from '../http.ts';
import type { Scenario } from '../scenario.ts';
import { Repository } from './images.ts';

/** Repository names as the spec's `<name>` grammar allows them. */
const NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const VERSION_HEADER = { 'docker-distribution-api-version': 'registry/2.0' };

export function registryError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  detail?: unknown,
): void {
  res.writeHead(status, { ...VERSION_HEADER, 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ code, message, detail: detail ?? null }] }));
}

function tagsPage(res: ServerResponse, name: string, repo: Repository, url: URL): void {
  const all = [...repo.tags.keys()].sort();
  const last = url.searchParams.get('last');
  const rest = last ? all.filter((t) => t > last) : all;
  const nText = url.searchParams.get('n');
  const n = nText === null ? rest.length : Number(nText);
  if (!Number.isInteger(n) || n < 0)
    return registryError(res, 400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', {
      n: nText,
    });
  const page = rest.slice(0, n);
  const headers: Record<string, string> = {
    ...VERSION_HEADER,
    'content-type': 'application/json; charset=utf-8',
  };
  if (rest.length > page.length && page.length)
    headers.link = `</v2/${name}/tags/list?n=${n}&last=${encodeURIComponent(page.at(-1) as string)}>; rel="next"`;
  res.writeHead(200, headers);
  res.end(JSON.stringify({ name, tags: page }));
}

function manifest(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  repo: Repository | undefined,
  ref: string,
): void {
  const digest = ref.includes(':') ? ref : repo?.tags.get(ref);
  const m = digest ? repo?.manifests.get(digest) : undefined;
  // distribution 2.8's details: {"Tag"} for a tag, {"Name","Revision"} for a digest.
  if (!m || !digest)
    return registryError(
      res,
      404,
      'MANIFEST_UNKNOWN',
      'manifest unknown',
      ref.includes(':') ? { Name: name, Revision: ref } : { Tag: ref },
    );
  res.writeHead(200, {
    ...VERSION_HEADER,
    'content-type': m.mediaType,
    'content-length': String(m.body.length),
    'docker-content-digest': digest,
    etag: `"${digest}"`,
  });
  res.end(req.method === 'HEAD' ? undefined : m.body);
}

/** The handler for one host's repositories (keyed by path without the host: `sijunkim/flash-api`). */
export function registryHandler(repositories: Map<string, Repository>): Handler {
  return (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return registryError(res, 405, 'UNSUPPORTED', 'The operation is unsupported.');
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      res.writeHead(200, { ...VERSION_HEADER, 'content-type': 'application/json; charset=utf-8' });
      return void res.end('{}');
    }
    const m = /^\/v2\/(.+)\/(tags\/list|manifests\/[^/]+|blobs\/[^/]+)$/.exec(url.pathname);
    if (!m) return registryError(res, 404, 'NOT_FOUND', 'not found');
    const name = m[1] as string;
    // A name outside the grammar is simply not known: distribution 2.8 answers NAME_UNKNOWN too.
    const repo = NAME.test(name) ? repositories.get(name) : undefined;
    const what = m[2] as string;
    if (what === 'tags/list') {
      if (!repo)
        return registryError(res, 404, 'NAME_UNKNOWN', 'repository name not known to registry', { name });
      return tagsPage(res, name, repo, url);
    }
    // Manifests and blobs of a repository that does not exist are only unknown, as in 2.8.
    const ref = decodeURIComponent(what.slice(what.indexOf('/') + 1));
    if (what.startsWith('manifests/')) return manifest(req, res, name, repo, ref);
    const blob = repo?.blobs.get(ref);
    if (!blob) return registryError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry', ref);
    res.writeHead(200, {
      ...VERSION_HEADER,
      'content-type': 'application/octet-stream',
      'content-length': String(blob.length),
      'docker-content-digest': ref,
    });
    res.end(req.method === 'HEAD' ? undefined : blob);
  };
}

/**
 * One scenario registry as a server. Build times move with the world (`shiftMs`), as every other
 * time of a scenario does, so "the newest build" stays the newest relative to now.
 */
export function createRegistryServer(
  def: Scenario['registries'][number],
  shiftMs: number,
  faults: FaultSource,
): SandboxServer {
  const repositories = new Map<string, Repository>();
  for (const image of def.images) {
    const repo = repositories.get(image.repository) ?? new Repository();
    for (const t of image.tags)
      repo.add(image.repository, {
        ...t,
        ...(t.created
          ? { created: new Date(Date.parse(t.created) + shiftMs).toISOString().replace(/\.\d{3}Z$/, 'Z') }
          : {}),
      });
    repositories.set(image.repository, repo);
  }
  return new SandboxServer({
    name: `registry ${def.host}`,
    handler: registryHandler(repositories),
    faults,
    unavailable: (res) => registryError(res, 503, 'UNAVAILABLE', 'service unavailable'),
  });
}
