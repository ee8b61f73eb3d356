/**
 * The plumbing every route shares: GitHub's error body, the per-request context, and a tiny
 * route table whose patterns capture path parameters (octokit percent-encodes `/` inside refs
 * and paths, so captures are decoded here, once).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, readJson } from '../http.ts';
import type { Person } from '../gitrepo/git.ts';
import type { SandboxRepo } from '../gitrepo/repos.ts';
import type { Links } from './shapes.ts';
import type { RepoState, Store } from './state.ts';

export const DOCS = 'https://docs.github.com/rest';

export interface FieldError {
  resource: string;
  code: string;
  field?: string;
  message?: string;
}

/** A refusal with GitHub's status and message; `errors` only for 422 Validation Failed. */
export class GitHubError extends Error {
  readonly status: number;
  /** Field errors; a few endpoints (reviews) send plain strings instead. */
  readonly errors?: (FieldError | string)[];
  constructor(status: number, message: string, errors?: (FieldError | string)[]) {
    super(message);
    this.status = status;
    this.errors = errors;
  }
}

export const notFound = (): GitHubError => new GitHubError(404, 'Not Found');
export const invalid = (...errors: FieldError[]): GitHubError =>
  new GitHubError(422, 'Validation Failed', errors);

export function sendError(res: ServerResponse, e: GitHubError): void {
  json(res, e.status, {
    message: e.message,
    ...(e.errors ? { errors: e.errors } : {}),
    documentation_url: DOCS,
    status: String(e.status),
  });
}

/** What work on a repository needs, in a request or outside one (the sandbox's CI, hooks). */
export interface RepoCtx {
  repo: SandboxRepo;
  state: RepoState;
  store: Store;
  links: Links;
  /** The login the token belongs to. */
  login: string;
  /** The sandbox clock as GitHub prints times (seconds, Z). */
  now(): string;
}

/** Whether GitHub signed this commit (state.signed): it shows as verified. */
export const isSigned = (c: RepoCtx, sha: string): boolean => (c.state.signed ?? []).includes(sha);

export interface Ctx extends RepoCtx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  send(status: number, body: unknown, headers?: Record<string, string>): void;
}

/** The request body as an object; GitHub answers 400 to JSON it cannot parse. */
export async function body<T extends object>(c: Ctx): Promise<Partial<T>> {
  try {
    const v = await readJson(c.req);
    return (v && typeof v === 'object' ? v : {}) as Partial<T>;
  } catch {
    throw new GitHubError(400, 'Problems parsing JSON');
  }
}

/** The Git identity of an account, with GitHub's no-reply address. */
export const identity = (login: string, date: string): Person => ({
  name: login,
  email: `${login}@users.noreply.github.com`,
  date,
});

export type Params = Record<string, string>;
export type RouteHandler = (c: Ctx, p: Params) => Promise<void>;

export interface Route {
  method: string;
  re: RegExp;
  names: string[];
  handle: RouteHandler;
}

/** `/git/ref/:ref+` — `:x` is one segment, `:x+` the rest of the path (may hold slashes). */
export function route(method: string, pattern: string, handle: RouteHandler): Route {
  const names: string[] = [];
  const src = pattern.replace(/:(\w+)(\+?)/g, (_, name: string, rest: string) => {
    names.push(name);
    return rest ? '(.+)' : '([^/]+)';
  });
  return { method, re: new RegExp(`^${src}/?$`), names, handle };
}

export function match(routes: Route[], method: string, path: string): { r: Route; p: Params } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.re.exec(path);
    if (!m) continue;
    const p: Params = {};
    r.names.forEach((n, i) => (p[n] = decodeURIComponent(m[i + 1] ?? '')));
    return { r, p };
  }
  return undefined;
}

/** A positive integer path parameter (issue and pull numbers), else 404 as GitHub answers. */
export function num(s: string | undefined): number {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 1) throw notFound();
  return n;
}
