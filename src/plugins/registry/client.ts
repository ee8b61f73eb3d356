/**
 * A read-only client of one container registry through the OCI distribution API
 * (opencontainers/distribution-spec spec.md): tags with pagination, manifests (an index or a
 * Docker manifest list resolved to one platform) and the image config blob, which holds the
 * image's creation time and labels. Authentication follows the registry's 401 challenge
 * (auth.ts). Every failure becomes an error that names the registry and says what to check.
 */
import { createHash } from 'node:crypto';
import { ConflictError, NotFoundError, UpstreamError } from '../../core/errors.ts';
import type { BackendObserver, BackendOutcome } from '../../core/metrics.ts';
import { basic, parseChallenge, pullScope, tokenLifetimeMs, type TokenAnswer } from './auth.ts';

export interface RegistryEndpoint {
  /** The registry as image references name it: `ghcr.io`, `docker.io`, `registry.lan:5000`. */
  host: string;
  /** Where its API answers: `https://ghcr.io`, `https://registry-1.docker.io`, `http://…`. */
  url: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  /** `os/architecture[/variant]` picked from a multi-platform image. */
  platform: string;
  observe?: BackendObserver;
}

export interface ImageConfig {
  /** The digest the reference resolves to (an index's own digest for a multi-platform image). */
  digest: string;
  /** The digest of the platform's image manifest (the same as `digest` for a single-platform image). */
  manifestDigest: string;
  /** When the image was built (config `created`), absent when the builder left it out. */
  created?: string;
  labels: Record<string, string>;
}

// What deckhand can read, most specific first (distribution-spec "Pulling manifests"; Docker's
// manifest v2 schema 2 and manifest list for registries that still serve them).
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST].join(', ');

/** The registry's error body (distribution-spec "Error Codes"): `{"errors":[{code,message,detail}]}`. */
interface ErrorBody {
  errors?: { code?: string; message?: string }[];
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

/** Tag pages are followed at most this far (100 × 1000 tags), so a looping `Link` cannot hang a command. */
const MAX_PAGES = 100;

const outcomeOf = (e: unknown): BackendOutcome =>
  e instanceof UpstreamError ? e.failure : e instanceof NotFoundError ? 'not_found' : 'aborted';

export class RegistryClient {
  private readonly ep: RegistryEndpoint;
  /** Bearer tokens by scope, with when each stops being used. */
  private readonly tokens = new Map<string, { value: string; until: number }>();

  constructor(ep: RegistryEndpoint) {
    this.ep = ep;
  }

  get host(): string {
    return this.ep.host;
  }

  /**
   * Every tag of a repository, all pages, in the order the registry gives them (the spec asks for
   * lexical order; distribution 2.8 answers in storage order): callers sort by their own rule.
   */
  async tags(repository: string, signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = `/v2/${repository}/tags/list?n=1000`;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const res = await this.get(next, repository, `list the tags of ${repository}`, signal);
      const body = (await res.json()) as { tags?: string[] | null };
      out.push(...(body.tags ?? []));
      next = nextPage(res.headers.get('link'));
      // Credentials go to this registry only: a next page elsewhere is not followed.
      if (next && new URL(next, this.ep.url).origin !== new URL(this.ep.url).origin)
        throw this.unreadable(
          repository,
          'tags',
          `its next tag page points to another host (${new URL(next, this.ep.url).origin})`,
        );
    }
    return out;
  }

  /** What a tag or digest points at: digests, build time and labels of the configured platform. */
  async inspect(repository: string, reference: string, signal?: AbortSignal): Promise<ImageConfig> {
    const what = `read ${repository}:${reference}`;
    const top = await this.manifest(repository, reference, what, signal);
    let manifest = top;
    if (top.body.manifests) {
      const chosen = this.pickPlatform(top.body.manifests);
      if (!chosen)
        throw new ConflictError(
          `${this.ep.host}/${repository}:${reference} has no image for ${this.ep.platform}.`,
          { hint: 'Set plugins.registry.platform to one the image is built for.' },
        );
      manifest = await this.manifest(repository, chosen.digest, what, signal);
    }
    const config = manifest.body.config;
    if (!config?.digest) throw this.unreadable(repository, reference, 'its manifest names no config');
    const res = await this.get(`/v2/${repository}/blobs/${config.digest}`, repository, what, signal);
    const blob = (await res.json().catch(() => undefined)) as
      { created?: string; config?: { Labels?: Record<string, string> | null } } | undefined;
    if (!blob) throw this.unreadable(repository, reference, 'its config is not JSON');
    return {
      digest: top.digest,
      manifestDigest: manifest.digest,
      ...(typeof blob.created === 'string' ? { created: blob.created } : {}),
      labels: { ...(blob.config?.Labels ?? {}) },
    };
  }

  private async manifest(
    repository: string,
    reference: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<{ digest: string; body: { manifests?: Descriptor[]; config?: Descriptor } }> {
    const res = await this.get(`/v2/${repository}/manifests/${reference}`, repository, what, signal, {
      accept: ACCEPT,
    });
    const text = await res.text();
    let body: { manifests?: Descriptor[]; config?: Descriptor };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw this.unreadable(repository, reference, 'its manifest is not JSON');
    }
    // The spec's Docker-Content-Digest header is optional; the digest of the bytes is the truth.
    const digest =
      res.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(text).digest('hex')}`;
    return { digest, body };
  }

  private pickPlatform(list: Descriptor[]): Descriptor | undefined {
    const [os, arch, variant] = this.ep.platform.split('/');
    return list.find(
      (d) =>
        d.platform?.os === os &&
        d.platform?.architecture === arch &&
        (variant === undefined || d.platform?.variant === variant),
    );
  }

  private unreadable(repository: string, reference: string, why: string): Error {
    return new UpstreamError(
      `registry@${this.ep.host}`,
      'error',
      `${this.ep.host}/${repository}:${reference} cannot be read: ${why}.`,
    );
  }

  /** A GET with the registry's auth dance, a deadline, and errors in people's words. */
  private async get(
    path: string,
    repository: string,
    what: string,
    signal?: AbortSignal,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const started = performance.now();
    const deadline = AbortSignal.timeout(this.ep.timeoutMs);
    const all = signal ? AbortSignal.any([deadline, signal]) : deadline;
    const backend = `registry@${this.ep.host}`;
    try {
      const res = await this.send(path, repository, what, all, headers);
      this.ep.observe?.(backend, (performance.now() - started) / 1000, 'ok');
      return res;
    } catch (e) {
      this.ep.observe?.(backend, (performance.now() - started) / 1000, outcomeOf(e));
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      if (deadline.aborted)
        throw new UpstreamError(
          backend,
          'timeout',
          `${this.ep.host} did not answer within ${Math.round(this.ep.timeoutMs / 100) / 10} s (${what}).`,
          { cause: e, hint: 'The registry is slow or unreachable; try again shortly.' },
        );
      throw e;
    }
  }

  private async send(
    path: string,
    repository: string,
    what: string,
    signal: AbortSignal,
    headers: Record<string, string>,
  ): Promise<Response> {
    const scope = pullScope(repository);
    const url = new URL(path, this.ep.url).toString();
    let auth = this.cachedAuth(scope);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, {
        signal,
        headers: { ...headers, ...(auth ? { authorization: auth } : {}) },
      }).catch((e: unknown) => {
        if (signal.aborted) throw e;
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        // undici's name for a kept-alive connection the server dropped says nothing to a person.
        const why = cause?.code === 'UND_ERR_SOCKET' ? 'the connection was closed' : cause?.code;
        throw new UpstreamError(
          `registry@${this.ep.host}`,
          'unreachable',
          `Cannot reach the registry ${this.ep.host} at ${this.ep.url}: ${why ?? cause?.message ?? (e as Error).message}.`,
          { cause: e, hint: 'Is the URL right (plugins.registry.registries) and the registry up?' },
        );
      });
      if (res.ok) return res;
      const challenge = parseChallenge(res.headers.get('www-authenticate'));
      if (res.status === 401 && attempt === 0 && challenge) {
        await res.body?.cancel();
        auth = await this.authorize(challenge, scope, signal);
        continue;
      }
      // A token got without the credentials (they were held back from a plain-http realm) says
      // nothing about them: the refusal says why they were not sent.
      if (res.status === 401 && this.withheldFrom) {
        await res.body?.cancel();
        throw this.withheld(this.withheldFrom, res.status);
      }
      throw await this.failure(res, repository, what, auth !== undefined && this.hasCredentials);
    }
  }

  /** The plain-http realm credentials were last held back from, if any. */
  private withheldFrom?: string;

  private withheld(origin: string, status: number): UpstreamError {
    return new UpstreamError(
      `registry@${this.ep.host}`,
      'unauthorized',
      `The registry ${this.ep.host} sends deckhand for a token to ${origin} over plain http; deckhand does not send its credentials there (HTTP ${status} without them).`,
      { status, hint: `Serve the token realm of ${this.ep.host} over https.` },
    );
  }

  private get hasCredentials(): boolean {
    return this.ep.username !== undefined && this.ep.password !== undefined;
  }

  private cachedAuth(scope: string): string | undefined {
    const t = this.tokens.get(scope);
    if (t && t.until > Date.now()) return `Bearer ${t.value}`;
    this.tokens.delete(scope);
    return undefined;
  }

  /** Answer a challenge: Basic credentials as they are, or a Bearer token from the realm. */
  private async authorize(
    challenge: ReturnType<typeof parseChallenge> & object,
    scope: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const creds = this.hasCredentials ? basic(this.ep.username ?? '', this.ep.password ?? '') : undefined;
    if (challenge.scheme === 'basic') return creds;
    const realm = challenge.params.realm;
    if (!realm) return undefined;
    const u = URL.parse(realm);
    // A realm with a user in it is refused by fetch itself; another scheme is not a token realm.
    if (!u || u.username || u.password || !/^https?:$/.test(u.protocol)) {
      throw new UpstreamError(
        `registry@${this.ep.host}`,
        'error',
        `The registry ${this.ep.host} names a token realm deckhand cannot use (${u ? `${u.protocol}//${u.host}` : 'not a URL'}).`,
        { hint: `Check the registry's token auth settings (its realm must be an http(s) URL).` },
      );
    }
    if (challenge.params.service) u.searchParams.set('service', challenge.params.service);
    // The scope the registry asked for, else the pull scope of this repository.
    u.searchParams.set('scope', challenge.params.scope ?? scope);
    // The realm is the registry's choice. Credentials go to it over https, to the registry's own
    // origin (which the operator configured, http included) or on this machine; never in clear
    // text across a network to another host, where anyone on the way could read them. Without
    // them the realm may still hand out an anonymous token.
    const safe =
      u.protocol === 'https:' ||
      u.origin === new URL(this.ep.url).origin ||
      /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/.test(u.hostname);
    this.withheldFrom = creds && !safe ? u.origin : undefined;
    const res = await fetch(u, { signal, headers: creds && safe ? { authorization: creds } : {} }).catch(
      (e: unknown) => {
        if (signal.aborted) throw e;
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new UpstreamError(
          `registry@${this.ep.host}`,
          'unreachable',
          `Cannot reach the token realm of the registry ${this.ep.host} at ${u.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}.`,
          {
            cause: e,
            hint: `The registry sends deckhand to ${u.origin} for a token; is it reachable from here?`,
          },
        );
      },
    );
    if (!res.ok) {
      await res.body?.cancel();
      if (this.withheldFrom) throw this.withheld(this.withheldFrom, res.status);
      throw this.refused(res.status, creds !== undefined);
    }
    const answer = (await res.json().catch(() => ({}))) as TokenAnswer;
    const value = answer.token ?? answer.access_token;
    if (!value) throw this.refused(res.status, creds !== undefined);
    this.tokens.set(scope, { value, until: Date.now() + tokenLifetimeMs(answer) });
    return `Bearer ${value}`;
  }

  private refused(status: number, withCredentials: boolean): UpstreamError {
    return new UpstreamError(
      `registry@${this.ep.host}`,
      'unauthorized',
      withCredentials
        ? `The registry ${this.ep.host} refused deckhand's credentials (HTTP ${status}).`
        : `The registry ${this.ep.host} wants credentials, and deckhand has none for it (HTTP ${status}).`,
      {
        status,
        hint: `Check the username and password of ${this.ep.host} in plugins.registry.registries; deckhand only needs pull access.`,
      },
    );
  }

  private async failure(res: Response, repository: string, what: string, authed: boolean): Promise<Error> {
    const body = (await res.json().catch(() => ({}))) as ErrorBody;
    const first = body.errors?.[0];
    const said = first ? `${first.code ?? ''}${first.message ? `: ${first.message}` : ''}` : '';
    const where = `${this.ep.host}/${repository}`;
    if (res.status === 401) return this.refused(res.status, authed);
    // Registries answer 404 (NAME_UNKNOWN, MANIFEST_UNKNOWN) for what is not there, and some
    // (Docker Hub, GHCR) also for what the credentials may not see.
    if (res.status === 404)
      return new NotFoundError(
        first?.code === 'MANIFEST_UNKNOWN' || first?.code === 'MANIFEST_BLOB_UNKNOWN'
          ? `${where} has no such tag or digest (${what}).`
          : `${where} does not exist, or deckhand may not see it (${said || 'HTTP 404'}).`,
      );
    if (res.status === 403)
      return new UpstreamError(
        `registry@${this.ep.host}`,
        'forbidden',
        `${this.ep.host} says deckhand may not ${what}${said ? ` (${said})` : ''}.`,
        { status: 403 },
      );
    return new UpstreamError(
      `registry@${this.ep.host}`,
      res.status === 429 ? 'refused' : 'error',
      `${this.ep.host} failed to ${what} (HTTP ${res.status}${said ? `, ${said}` : ''}).`,
      {
        status: res.status,
        ...(res.status === 429 ? { hint: 'The registry is rate-limiting deckhand; try again later.' } : {}),
      },
    );
  }
}

/** The next page from an RFC 8288 `Link: <…>; rel="next"` header. */
export function nextPage(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)$/.exec(part.trim());
    if (m && /\brel\s*=\s*"?next"?/i.test(m[2] as string)) return m[1];
  }
  return undefined;
}
