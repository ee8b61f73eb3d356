/**
 * Pull requests: open, list (state, `owner:branch` head filter, base, sort, pages), read with
 * mergeability, edit and close, merge, changed files, commits, and reviews.
 */
import { body, GitHubError, invalid, isSigned, route, type Ctx, type RepoCtx, type Route } from './api.ts';
import { mergeBase, pullFiles } from './diff.ts';
import { detail, mergePull, refresh, type MergeRequest } from './merge.ts';
import { paginate } from './paging.ts';
import { issue as pullOf, labelsOf } from './routes-issues.ts';
import { announce } from './routes-hooks.ts';
import { repoShape } from './routes-repo.ts';
import type { RepoShape } from './shapes.ts';
import { pull, pullSimple, review, type PullView } from './shapes-pulls.ts';
import { diffEntry, repoCommit } from './shapes-git.ts';
import type { PullRecord, ReviewRecord } from './state.ts';

const view = (c: RepoCtx, rec: PullRecord, repo: RepoShape): PullView => ({
  rec,
  repo,
  labels: labelsOf(c, rec),
});

export async function full(c: RepoCtx, pr: PullRecord) {
  const [d, repo] = await Promise.all([detail(c, pr), repoShape(c)]);
  return pull(view(c, pr, repo), d, c.links);
}

const owner = (c: Ctx) => c.repo.path.owner.toLowerCase();

async function create(c: Ctx): Promise<void> {
  const b = await body<{ title: string; head: string; base: string; body: string; draft: boolean }>(c);
  for (const field of ['title', 'head', 'base'] as const)
    if (typeof b[field] !== 'string' || !b[field])
      throw invalid({ resource: 'PullRequest', code: 'missing_field', field });
  const [who, branch] = (b.head as string).includes(':')
    ? (b.head as string).split(/:(.*)/s)
    : [c.repo.path.owner, b.head];
  const base = b.base as string;
  const branches = await c.repo.git.branches();
  const headSha = (who ?? '').toLowerCase() === owner(c) && branch ? branches.get(branch) : undefined;
  if (!headSha) throw invalid({ resource: 'PullRequest', field: 'head', code: 'invalid' });
  const baseSha = branches.get(base);
  if (!baseSha) throw invalid({ resource: 'PullRequest', field: 'base', code: 'invalid' });
  const h = branch as string;
  if (!(await mergeBase(c.repo.git.dir, baseSha, headSha)))
    throw invalid({
      resource: 'PullRequest',
      code: 'custom',
      message: `${base} and ${h} are entirely different commit histories.`,
    });
  if (await c.repo.git.isAncestor(headSha, baseSha))
    throw invalid({
      resource: 'PullRequest',
      code: 'custom',
      message: `No commits between ${base} and ${h}`,
    });
  if (c.state.pulls.some((p) => p.state === 'open' && p.head === h && p.base === base))
    throw invalid({
      resource: 'PullRequest',
      code: 'custom',
      message: `A pull request already exists for ${c.repo.path.owner}:${h}.`,
    });
  const now = c.now();
  const rec: PullRecord = {
    number: c.state.nextNumber++,
    id: c.store.nextId(),
    title: b.title as string,
    body: typeof b.body === 'string' ? b.body : null,
    head: h,
    base,
    headSha,
    baseSha,
    state: 'open',
    draft: b.draft === true,
    user: c.login,
    labels: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergeCommitSha: null,
    mergedBy: null,
  };
  c.state.pulls.push(rec);
  c.store.save();
  c.send(201, await full(c, rec), { location: `${c.links.repoApi}/pulls/${rec.number}` });
}

async function list(c: Ctx): Promise<void> {
  const q = c.url.searchParams;
  const state = q.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state))
    throw invalid({ resource: 'PullRequest', field: 'state', code: 'invalid' });
  // GitHub only honours `head` as `owner:branch`; a bare branch name is silently ignored.
  const head = q.get('head')?.includes(':') ? q.get('head')?.split(/:(.*)/s) : undefined;
  const base = q.get('base');
  const sort = q.get('sort') ?? 'created';
  const desc = (q.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) === 'desc';
  const key = (p: PullRecord) => (sort === 'updated' ? p.updatedAt : p.createdAt);
  const found = c.state.pulls
    .filter((p) => state === 'all' || p.state === state)
    .filter((p) => !head || ((head[0] ?? '').toLowerCase() === owner(c) && p.head === head[1]))
    .filter((p) => !base || p.base === base)
    .sort((a, b) => (key(a) === key(b) ? a.number - b.number : key(a) < key(b) ? -1 : 1) * (desc ? -1 : 1));
  const page = paginate(found, c.url, c.links.api);
  const branches = await c.repo.git.branches();
  for (const p of page.items) await refresh(c, p, branches);
  const repo = await repoShape(c);
  c.send(
    200,
    page.items.map((p) => pullSimple(view(c, p, repo), c.links)),
    page.headers,
  );
}

async function update(c: Ctx, pr: PullRecord): Promise<void> {
  const b = await body<{ title: string; body: string; state: string; base: string }>(c);
  await refresh(c, pr);
  let action: 'closed' | 'reopened' | undefined;
  if (b.state !== undefined && b.state !== pr.state) {
    if (b.state === 'closed') {
      pr.state = 'closed';
      pr.closedAt = c.now();
      action = 'closed';
    } else if (b.state === 'open') {
      const err = (message: string) =>
        invalid({ resource: 'PullRequest', code: 'custom', field: 'state', message });
      if (pr.mergedAt) throw err('state cannot be changed. The pull request has already been merged.');
      if (!(await c.repo.git.branches()).has(pr.head))
        throw err('state cannot be changed. The head branch was deleted.');
      pr.state = 'open';
      pr.closedAt = null;
      action = 'reopened';
    } else throw invalid({ resource: 'PullRequest', field: 'state', code: 'invalid' });
  }
  if (typeof b.title === 'string') pr.title = b.title;
  if (typeof b.body === 'string') pr.body = b.body;
  if (typeof b.base === 'string' && b.base !== pr.base) {
    if (!(await c.repo.git.branches()).has(b.base))
      throw invalid({ resource: 'PullRequest', field: 'base', code: 'invalid' });
    pr.base = b.base;
  }
  pr.updatedAt = c.now();
  c.store.save();
  c.send(200, await full(c, pr));
  if (action)
    announce(c, 'pull_request', async () => ({ action, number: pr.number, pull_request: await full(c, pr) }));
}

async function files(c: Ctx, pr: PullRecord): Promise<void> {
  await refresh(c, pr);
  const all = await pullFiles(c.repo.git.dir, pr.baseSha, pr.headSha);
  const page = paginate(all, c.url, c.links.api);
  c.send(
    200,
    page.items.map((f) => diffEntry(f, pr.headSha, c.links)),
    page.headers,
  );
}

async function commits(c: Ctx, pr: PullRecord): Promise<void> {
  await refresh(c, pr);
  const shas = (await c.repo.git.log(`${pr.baseSha}..${pr.headSha}`, undefined, 250)).reverse();
  const page = paginate(shas, c.url, c.links.api);
  const infos = await Promise.all(page.items.map((s) => c.repo.git.commit(s)));
  c.send(
    200,
    infos.flatMap((i) => (i ? [repoCommit(i, c.links, isSigned(c, i.sha))] : [])),
    page.headers,
  );
}

const EVENTS: Record<string, ReviewRecord['state']> = {
  APPROVE: 'APPROVED',
  REQUEST_CHANGES: 'CHANGES_REQUESTED',
  COMMENT: 'COMMENTED',
};

async function createReview(c: Ctx, pr: PullRecord): Promise<void> {
  const b = await body<{ body: string; event: string; commit_id: string }>(c);
  const state = b.event ? EVENTS[b.event] : 'PENDING';
  if (!state) throw invalid({ resource: 'PullRequestReview', field: 'event', code: 'invalid' });
  const refuse = (why: string) => new GitHubError(422, 'Unprocessable Entity', [why]);
  if (pr.user === c.login && state === 'APPROVED') throw refuse('Can not approve your own pull request');
  if (pr.user === c.login && state === 'CHANGES_REQUESTED')
    throw refuse('Can not request changes on your own pull request');
  if ((state === 'CHANGES_REQUESTED' || state === 'COMMENTED') && !b.body)
    throw refuse(`Body is required for ${b.event === 'COMMENT' ? 'comment' : 'request changes'} events`);
  await refresh(c, pr);
  const rec: ReviewRecord = {
    id: c.store.nextId(),
    pull: pr.number,
    user: c.login,
    body: b.body ?? '',
    state,
    commitId: b.commit_id ?? pr.headSha,
    submittedAt: state === 'PENDING' ? null : c.now(),
  };
  c.state.reviews.push(rec);
  c.store.save();
  c.send(200, review(rec, c.links));
  if (state !== 'PENDING')
    announce(c, 'pull_request_review', async () => ({
      action: 'submitted',
      review: review(rec, c.links),
      pull_request: await full(c, pr),
    }));
}

export const pullRoutes: Route[] = [
  route('POST', '/pulls', create),
  route('GET', '/pulls', list),
  route('GET', '/pulls/:n', async (c, p) => c.send(200, await full(c, pullOf(c, p.n)))),
  route('PATCH', '/pulls/:n', (c, p) => update(c, pullOf(c, p.n))),
  route('PUT', '/pulls/:n/merge', async (c, p) => {
    const pr = pullOf(c, p.n);
    const sha = await mergePull(c, pr, await body<MergeRequest>(c));
    c.send(200, { sha, merged: true, message: 'Pull Request successfully merged' });
    announce(c, 'pull_request', async () => ({
      action: 'closed',
      number: pr.number,
      pull_request: await full(c, pr),
    }));
  }),
  route('GET', '/pulls/:n/merge', async (c, p) => {
    // 204 when merged, 404 when not: GitHub's "is it merged" check.
    if (!pullOf(c, p.n).mergedAt) throw new GitHubError(404, 'Not Found');
    c.res.writeHead(204).end();
  }),
  route('GET', '/pulls/:n/files', (c, p) => files(c, pullOf(c, p.n))),
  route('GET', '/pulls/:n/commits', (c, p) => commits(c, pullOf(c, p.n))),
  route('POST', '/pulls/:n/reviews', (c, p) => createReview(c, pullOf(c, p.n))),
  route('GET', '/pulls/:n/reviews', async (c, p) => {
    const pr = pullOf(c, p.n);
    const page = paginate(
      c.state.reviews.filter((r) => r.pull === pr.number),
      c.url,
      c.links.api,
    );
    c.send(
      200,
      page.items.map((r) => review(r, c.links)),
      page.headers,
    );
  }),
];
