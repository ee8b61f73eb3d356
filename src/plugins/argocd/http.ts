/**
 * One Argo CD HTTP call: bearer token, a deadline that covers retries, retries with jitter for
 * reads only, and every failure turned into an error that names the instance and says why. Each
 * call is reported to the endpoint's observer (the bot's metrics) with its latency and outcome.
 */
import { ConflictError, NotFoundError, UpstreamError } from '../../core/errors.ts';
import type { BackendObserver, BackendOutcome } from '../../core/metrics.ts';

export interface CallOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  /** Override the instance deadline (streams pass their own signal instead). */
  timeoutMs?: number;
}

export interface Endpoint {
  name: string;
  url: string;
  token: string;
  timeoutMs: number;
  retries: number;
  /** Told of every call: backend `argocd@<name>`, seconds (retries included), outcome. */
  observe?: BackendObserver;
}

/** Argo CD's error body: `{"error","code","message"}` (gRPC code, message twice). */
interface ArgoErrorBody {
  error?: string;
  message?: string;
  code?: number;
}

export function buildUrl(base: string, path: string, query: CallOptions['query'] = {}): string {
  const u = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : base + '/');
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, item);
  }
  return u.toString();
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });

function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
}

/** Translate an HTTP error from Argo CD into the error the user sees. */
export function argoError(ep: Endpoint, status: number, body: ArgoErrorBody | string, what: string): Error {
  const msg = typeof body === 'string' ? body.trim() : (body.message ?? body.error ?? '').trim();
  const where = `Argo CD (${ep.name})`;
  if (status === 401) {
    return new UpstreamError(
      `argocd@${ep.name}`,
      'unauthorized',
      // No "token: …" in these words: the redactor reads what follows `token:` as a secret.
      `${where} refused the token deckhand has for it (HTTP 401${msg ? `, ${msg}` : ''}).`,
      {
        status,
        hint: `Check the token of plugins.argocd.instances[${ep.name}]; it must be an API key of an Argo CD account (argocd account generate-token).`,
      },
    );
  }
  if (status === 403) {
    return new UpstreamError(
      `argocd@${ep.name}`,
      'forbidden',
      `${where} says deckhand may not ${what}: ${msg || 'permission denied'}.`,
      {
        status,
        hint: "Argo CD answers 'permission denied' both for missing rights and for apps that do not exist.",
      },
    );
  }
  if (status === 404) return new NotFoundError(`${where}: ${msg || 'not found'}.`);
  if (status === 400 || status === 409 || status === 412) {
    return new ConflictError(`${where} refused to ${what}: ${msg}.`);
  }
  if (status === 429 || status === 503 || status === 504 || status >= 500) {
    return new UpstreamError(
      `argocd@${ep.name}`,
      'error',
      `${where} failed to ${what} (HTTP ${status}${msg ? `: ${msg}` : ''}).`,
      {
        status,
      },
    );
  }
  return new UpstreamError(
    `argocd@${ep.name}`,
    'error',
    `${where} answered HTTP ${status} to ${what}${msg ? `: ${msg}` : ''}.`,
    { status },
  );
}

const retriable = (status: number) => status === 429 || status === 502 || status === 503 || status === 504;

const outcomeOf = (e: unknown): BackendOutcome =>
  e instanceof UpstreamError
    ? e.failure
    : e instanceof NotFoundError
      ? 'not_found'
      : e instanceof ConflictError
        ? 'conflict'
        : 'aborted';

/**
 * Perform a call and return the Response (2xx only). Reads are retried on network errors and
 * 429/5xx with exponential backoff and jitter, all inside one deadline. For a stream, the call
 * (and what the observer is told) ends when its headers arrive.
 */
export async function call(
  ep: Endpoint,
  path: string,
  what: string,
  opts: CallOptions = {},
): Promise<Response> {
  if (!ep.observe) return send(ep, path, what, opts);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const res = await send(ep, path, what, opts);
    ep.observe(`argocd@${ep.name}`, seconds(), 'ok');
    return res;
  } catch (e) {
    ep.observe(`argocd@${ep.name}`, seconds(), outcomeOf(e));
    throw e;
  }
}

async function send(ep: Endpoint, path: string, what: string, opts: CallOptions): Promise<Response> {
  const method = opts.method ?? 'GET';
  const timeoutMs = opts.timeoutMs ?? ep.timeoutMs;
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([deadline, opts.signal]) : deadline;
  const url = buildUrl(ep.url, path, opts.query);
  const attempts = method === 'GET' ? ep.retries + 1 : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      const backoff = 100 * 2 ** (attempt - 1);
      await sleep(backoff / 2 + Math.random() * backoff, signal).catch(() => undefined);
      if (signal.aborted) break;
    }
    try {
      const res = await fetch(url, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${ep.token}`,
          accept: 'application/json',
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
      if (res.ok) return res;
      const text = await res.text().catch(() => '');
      let body: ArgoErrorBody | string = text;
      try {
        body = JSON.parse(text) as ArgoErrorBody;
      } catch {
        // plain-text errors (415, proxies) stay text
      }
      lastError = argoError(ep, res.status, body, what);
      if (!(method === 'GET' && retriable(res.status))) throw lastError;
    } catch (e) {
      if (e instanceof UpstreamError || e instanceof NotFoundError || e instanceof ConflictError) {
        if (!(e instanceof UpstreamError && e.status !== undefined && retriable(e.status))) throw e;
        lastError = e;
        continue;
      }
      if (opts.signal?.aborted)
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
      if (deadline.aborted) break;
      lastError = new UpstreamError(
        `argocd@${ep.name}`,
        'unreachable',
        `Cannot reach Argo CD (${ep.name}) at ${ep.url}: ${networkReason(e)}.`,
        {
          cause: e,
          hint: 'Is the server up and the URL right? deckhand retries reads; the next command tries again.',
        },
      );
    }
  }
  if (deadline.aborted) {
    throw new UpstreamError(
      `argocd@${ep.name}`,
      'timeout',
      `Argo CD (${ep.name}) did not answer within ${(timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0)} s (${what}).`,
      { cause: lastError, hint: 'The server is slow or unreachable; try again shortly.' },
    );
  }
  throw (
    lastError ?? new UpstreamError(`argocd@${ep.name}`, 'error', `Argo CD (${ep.name}) failed to ${what}.`)
  );
}

export async function callJson<T>(
  ep: Endpoint,
  path: string,
  what: string,
  opts: CallOptions = {},
): Promise<T> {
  const res = await call(ep, path, what, opts);
  const text = await res.text();
  try {
    return (text ? JSON.parse(text) : {}) as T;
  } catch (e) {
    throw new UpstreamError(
      `argocd@${ep.name}`,
      'error',
      `Argo CD (${ep.name}) sent a response that is not JSON (${what}).`,
      { cause: e },
    );
  }
}
