/** Git host refusals that callers act on. */
import { ConflictError, DeckError, NotFoundError, UpstreamError } from '../../../core/errors.ts';

/** The pull request's branch moved after it was shown: merging now would merge something unseen. */
export class HeadMovedError extends ConflictError {
  readonly currentSha?: string;
  constructor(message: string, currentSha?: string) {
    super(message, { hint: 'Look at the new diff and approve again.' });
    this.currentSha = currentSha;
  }
}

/** The host will not merge (conflicts, failing checks, branch protection, missing approvals). */
export class NotMergeableError extends ConflictError {}

/** Files changed after the commit being reverted: a revert would overwrite newer work. */
export class RevertConflictError extends ConflictError {}

interface HttpishError {
  status?: number;
  message?: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
  cause?: { code?: string };
}

const named = (e: unknown, ...names: string[]): boolean =>
  e instanceof Error && (names.includes(e.name) || named(e.cause, ...names));

/**
 * Map an HTTP failure of a Git host API to a deckhand error that names the host. A request that
 * ran out of time is a timeout, not the "HTTP 500" Octokit wraps it in (@octokit/request's fetch
 * wrapper gives every fetch failure status 500) nor gitbeaker's "Query timeout was reached".
 */
export function hostError(host: string, what: string, e: unknown, timeoutMs?: number): Error {
  if (e instanceof DeckError) return e;
  const backend = `git@${host}`;
  if (named(e, 'TimeoutError', 'GitbeakerTimeoutError'))
    return new UpstreamError(
      backend,
      'timeout',
      `${host} did not answer${timeoutMs ? ` within ${timeoutMs / 1000} s` : ' in time'} (${what}).`,
    );
  if (named(e, 'AbortError'))
    return new UpstreamError(backend, 'timeout', `${host}: stopped waiting (${what}).`);
  const err = e as HttpishError;
  const data = err.response?.data as
    { message?: string; errors?: { message?: string }[] } | string | undefined;
  const detail =
    (typeof data === 'string'
      ? data
      : [data?.message, ...(data?.errors ?? []).map((x) => x.message)].filter(Boolean).join(': ')) ||
    err.message ||
    String(e);
  switch (err.status) {
    case 401:
      return new UpstreamError(
        backend,
        'unauthorized',
        `${host} refused deckhand's token (${what}): ${detail}.`,
        {
          status: 401,
          hint: 'Check the token configured for this Git host.',
        },
      );
    case 403:
      if (err.response?.headers?.['x-ratelimit-remaining'] === '0') {
        return new UpstreamError(
          backend,
          'refused',
          `${host} rate limit reached (${what}); try again after it resets.`,
          { status: 403 },
        );
      }
      return new UpstreamError(backend, 'forbidden', `${host} does not let deckhand ${what}: ${detail}.`, {
        status: 403,
      });
    case 404:
      return new NotFoundError(`${host}: not found (${what}). Does deckhand's token see this repository?`);
    case 409:
      return new ConflictError(`${host} refused to ${what}: ${detail}.`);
    case 422:
      return new ConflictError(`${host} refused to ${what}: ${detail}.`);
    case 429:
      return new UpstreamError(backend, 'refused', `${host} is rate limiting deckhand (${what}).`, {
        status: 429,
      });
    case undefined:
      return new UpstreamError(
        backend,
        'unreachable',
        `Cannot reach ${host} (${what}): ${err.cause?.code ?? detail}.`,
        { cause: e },
      );
    default:
      return new UpstreamError(
        backend,
        'error',
        `${host} failed to ${what} (HTTP ${err.status}): ${detail}.`,
        { status: err.status },
      );
  }
}
