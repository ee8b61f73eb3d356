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

/** The branch holds an open pull request's commits: deckhand does not push over them. */
export class BranchInUseError extends ConflictError {
  readonly pullRequest: number;
  constructor(branch: string, pullRequest: number) {
    super(
      `${branch} is the branch of the open pull request #${pullRequest}; deckhand does not push over it.`,
    );
    this.pullRequest = pullRequest;
  }
}

/** The host will not merge (conflicts, failing checks, branch protection, missing approvals). */
export class NotMergeableError extends ConflictError {}

/** Files changed after the commit being reverted: a revert would overwrite newer work. */
export class RevertConflictError extends ConflictError {}

/**
 * A refused credential only gets fixed when the message says which one: the host entry's name and
 * the configuration key of its token (`plugins.gitops.hosts[0].token`), never the token itself.
 */
export interface HostIdent {
  name: string;
  /** Where the token is configured; absent in tests that make a host by hand. */
  credential?: string;
}

/** A short, single-line detail: a host's answer can carry a whole HTTP exchange (headers included). */
const oneLine = (s: string): string => {
  const line = s.split(/\r?\n/)[0]?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

interface HttpishError {
  status?: number;
  message?: string;
  response?: { data?: unknown; headers?: Record<string, string | undefined> };
  cause?: { code?: string; cause?: { code?: string } };
}

const named = (e: unknown, ...names: string[]): boolean =>
  e instanceof Error && (names.includes(e.name) || named(e.cause, ...names));

/**
 * Map an HTTP failure of a Git host API to a deckhand error that names the host. A request that
 * ran out of time is a timeout, not the "HTTP 500" Octokit wraps it in (@octokit/request's fetch
 * wrapper gives every fetch failure status 500) nor gitbeaker's "Query timeout was reached".
 */
export function hostError(who: string | HostIdent, what: string, e: unknown, timeoutMs?: number): Error {
  if (e instanceof DeckError) return e;
  const host = typeof who === 'string' ? who : who.name;
  const token =
    typeof who !== 'string' && who.credential
      ? `the token configured in ${who.credential}`
      : "deckhand's token";
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
  const detail = oneLine(
    (typeof data === 'string'
      ? data
      : [data?.message, ...(data?.errors ?? []).map((x) => x.message)].filter(Boolean).join(': ')) ||
      err.message ||
      String(e),
  );
  // @octokit/request reports a fetch that never got an answer (refused, reset, DNS) as HTTP 500
  // without a response: that is an unreachable host, not a server error.
  const status = err.status === 500 && !err.response ? undefined : err.status;
  switch (status) {
    case 401:
      return new UpstreamError(
        backend,
        'unauthorized',
        `${host} refused ${token} (HTTP 401 ${detail}) when asked to ${what}.`,
        {
          status: 401,
          // No "token: …" here: the redactor takes the word after `token:` for a secret.
          hint: `Check ${token}; it may be wrong, expired or revoked.`,
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
      return new UpstreamError(
        backend,
        'forbidden',
        `${host} does not let ${token} ${what} (HTTP 403 ${detail}).`,
        { status: 403, hint: `Give ${token} write access to the repository.` },
      );
    case 404:
      return new NotFoundError(`${host}: not found (${what}). Does ${token} see this repository?`);
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
        `Cannot reach ${host} (${what}): ${oneLine(err.cause?.code ?? err.cause?.cause?.code ?? detail)}.`,
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
