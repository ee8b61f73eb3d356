/**
 * Git hosts against a server that never answers: a request past its deadline is said as a timeout
 * (not the "HTTP 500" Octokit wraps every fetch failure in), and a host made by withSignal stops
 * its requests when the caller's signal fires — the one in flight too, where the client allows it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../core/errors.ts';
import { GitHubHost } from './github.ts';
import { GitLabHost } from './gitlab.ts';
import { eventually } from '../../../../test/support/wait.ts';

let server: Server;
let url: string;
/** Requests the server received, and those whose client went away before an answer. */
let received: string[];
let closed: string[];

beforeEach(async () => {
  received = [];
  closed = [];
  server = createServer((req: IncomingMessage, res) => {
    received.push(req.url ?? '');
    res.on('close', () => closed.push(req.url ?? ''));
    // Never answers.
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const github = (timeoutMs: number) =>
  new GitHubHost({ name: 'github.com', host: 'github.com', apiUrl: url, token: 't', timeoutMs });
const gitlab = (timeoutMs: number) =>
  new GitLabHost({
    name: 'gitlab.example.com',
    host: 'gitlab.example.com',
    apiUrl: url,
    token: 't',
    timeoutMs,
  });
const GH = 'https://github.com/acme/infra';
const GL = 'https://gitlab.example.com/acme/infra';

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(UpstreamError);
  return e as UpstreamError;
};

describe('a Git host that does not answer', () => {
  it.each([
    ['GitHub', () => github(150).branchHead(GH, 'main')],
    ['GitLab', () => gitlab(150).branchHead(GL, 'main')],
  ])('%s: past the deadline it is a timeout, said as one', async (_name, call) => {
    const e = await failure(call());
    expect(e.failure).toBe('timeout');
    expect(e.message).toMatch(/did not answer within 0\.15 s \(read branch main\)/);
    expect(e.message).not.toMatch(/HTTP|Query timeout/);
  });

  it('GitHub: withSignal aborts the request in flight and starts none after', async () => {
    const stop = new AbortController();
    const host = github(60_000).withSignal(stop.signal);
    const pending = host.branchHead(GH, 'main');
    await until(() => received.length === 1);
    stop.abort();
    expect((await failure(pending)).failure).toBe('timeout');
    await until(() => closed.length === 1);
    await failure(host.branchHead(GH, 'main'));
    expect(received).toHaveLength(1);
    // The host it came from keeps its own deadline and is not stopped.
    const other = github(100).branchHead(GH, 'main');
    await until(() => received.length === 2);
    await failure(other);
  });

  it('GitLab: withSignal starts no request once the signal fired', async () => {
    const stop = new AbortController();
    stop.abort();
    await failure(gitlab(60_000).withSignal(stop.signal).branchHead(GL, 'main'));
    expect(received).toEqual([]);
  });
});

const until = (ok: () => boolean) => eventually(ok.toString(), ok, { timeoutMs: 2_500, intervalMs: 5 });
