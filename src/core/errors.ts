/**
 * Two kinds of failure. A DeckError is expected (bad input, not allowed, a backend that did not
 * answer) and its message is written for the person in chat. Anything else is a bug: it is logged
 * with its stack and the user sees only an error id.
 */
export class DeckError extends Error {
  readonly code: string;
  /** What the user can do about it, shown under the message. */
  readonly hint?: string;

  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
  }
}

/** The input does not make sense: unknown flag, malformed value, missing argument. */
export class InputError extends DeckError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('DECK_INPUT_INVALID', message, opts);
  }
}

/** A thing the user named does not exist (application, instance, command, button). */
export class NotFoundError extends DeckError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('DECK_NOT_FOUND', message, opts);
  }
}

/** The actor lacks a permission; `permission` names the one that is missing. */
export class NotAllowedError extends DeckError {
  readonly permission: string;
  constructor(permission: string, message: string, opts: { hint?: string } = {}) {
    super('DECK_NOT_ALLOWED', message, opts);
    this.permission = permission;
  }
}

/** The request is valid but the current state refuses it (expired button, branch moved, paused). */
export class ConflictError extends DeckError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super('DECK_CONFLICT', message, opts);
  }
}

export type UpstreamFailure = 'timeout' | 'unreachable' | 'unauthorized' | 'forbidden' | 'refused' | 'error';

/** A backend (Argo CD, Kubernetes, Git host, chat platform, LLM) failed; `backend` says which one. */
export class UpstreamError extends DeckError {
  readonly backend: string;
  readonly failure: UpstreamFailure;
  readonly status?: number;

  constructor(
    backend: string,
    failure: UpstreamFailure,
    message: string,
    opts: { hint?: string; cause?: unknown; status?: number } = {},
  ) {
    super(`DECK_UPSTREAM_${failure.toUpperCase()}`, message, opts);
    this.backend = backend;
    this.failure = failure;
    this.status = opts.status;
  }
}

/** Start-up failures that name the plugin (or config path) at fault. */
export class BootError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BootError';
  }
}

export const isDeckError = (e: unknown): e is DeckError => e instanceof DeckError;

/** A short reference for an unexpected error: what the user quotes and what the log carries. */
export const newErrorId = (): string => `e-${Math.random().toString(36).slice(2, 8)}`;
