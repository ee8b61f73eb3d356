/**
 * Pull requests on the sandbox GitHub driven by octokit: open, list and filter, changed files,
 * comments, labels, reviews, merge (real merge and squash commits, the base moved through
 * moveBranch), conflicts, closing, and the response shapes against @octokit/openapi-types.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { R, REPO_URL, branchWith, deployment, missingFields, SLOW, start, type Fixture } from './testing.ts';

const B1 = 'deckhand/image/web-1a2b3c4';
const B2 = 'deckhand/replicas/web-5d6e7f8';

/** Branches B1 and B2 on the seeded main, and the first `prs` of them opened, as #1 and #2. */
async function seed(f: Fixture, prs: 0 | 1 | 2) {
  const head1 = await branchWith(f, B1, {
    'apps/web/deployment.yaml': deployment('ghcr.io/acme/web:1.2', 2),
    'apps/web/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
  });
  await branchWith(f, B2, { 'apps/web/hpa.yaml': 'kind: HorizontalPodAutoscaler\n', 'README.md': null });
  if (prs >= 1)
    await f.octokit.pulls.create({ ...R, head: B1, base: 'main', title: 'web: image 1.2', body: 'why' });
  if (prs >= 2) await f.octokit.pulls.create({ ...R, head: B2, base: 'main', title: 'web: autoscale' });
  return head1;
}

/**
 * A seeded sandbox of the test's own, stopped when the test ends: pull request numbers, lists and
 * main's history then depend on this test alone, whatever ran before it.
 */
async function sandbox(prs: 0 | 1 | 2 = 0) {
  const f = await start();
  onTestFinished(() => f.cleanup());
  return { f, head1: await seed(f, prs) };
}

type HttpErr = {
  status?: number;
  response?: { data?: { message?: string; errors?: { message?: string }[] } };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: HttpErr) =>
      [
        e.status,
        e.response?.data?.message,
        ...(e.response?.data?.errors ?? []).map((x) => x.message ?? x),
      ].join(' '),
  );

describe('opening and listing', SLOW, () => {
  it('opens a pull request with GitHub fields, numbered from 1', async () => {
    const { f, head1 } = await sandbox();
    const { status, data } = await f.octokit.pulls.create({
      ...R,
      head: B1,
      base: 'main',
      title: 'web: image 1.2',
      body: 'why',
    });
    expect(status).toBe(201);
    expect(data).toMatchObject({
      number: 1,
      state: 'open',
      merged: false,
      mergeable: true,
      mergeable_state: 'clean',
    });
    expect(data.head).toMatchObject({ ref: B1, sha: head1, label: `acme:${B1}` });
    expect(data.base.ref).toBe('main');
    expect(data.html_url).toBe('https://github.com/acme/infra/pull/1');
    expect(data.url).toBe(`${f.url}/repos/acme/infra/pulls/1`);
    expect(data).toMatchObject({ commits: 1, changed_files: 2, user: { login: 'deckhand-bot' } });
    expect(missingFields('pull-request', data)).toEqual([]);
    expect(missingFields('repository', data.head.repo)).toEqual([]);
    expect(missingFields('simple-user', data.user)).toEqual([]);
  });

  it('refuses a duplicate, an empty and an unknown head like GitHub', async () => {
    const { f } = await sandbox(1);
    expect(
      await failure(f.octokit.pulls.create({ ...R, head: `acme:${B1}`, base: 'main', title: 'again' })),
    ).toBe(`422 Validation Failed A pull request already exists for acme:${B1}.`);
    const main = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    await f.octokit.git.createRef({ ...R, ref: 'refs/heads/empty', sha: main });
    expect(
      await failure(f.octokit.pulls.create({ ...R, head: 'empty', base: 'main', title: 'nothing' })),
    ).toBe('422 Validation Failed No commits between main and empty');
    expect(await failure(f.octokit.pulls.create({ ...R, head: 'nope', base: 'main', title: 'x' }))).toMatch(
      /^422 Validation Failed/,
    );
    expect(await failure(f.octokit.pulls.create({ ...R, head: B2, base: 'main', title: '' }))).toMatch(
      /^422 /,
    );
  });

  it('lists by state, base and owner:branch head; a bare branch head is ignored as on GitHub', async () => {
    const { f } = await sandbox(1);
    await f.octokit.pulls.create({ ...R, head: B2, base: 'main', title: 'web: autoscale' });
    const numbers = async (q: Record<string, string>) =>
      (await f.octokit.pulls.list({ ...R, ...q })).data.map((p) => p.number);
    expect(await numbers({})).toEqual([2, 1]);
    expect(await numbers({ head: `acme:${B1}` })).toEqual([1]);
    expect(await numbers({ head: `ACME:${B2}` })).toEqual([2]);
    expect(await numbers({ head: B1 })).toEqual([2, 1]);
    expect(await numbers({ head: `someone:${B1}` })).toEqual([]);
    expect(await numbers({ base: 'release' })).toEqual([]);
    expect(await numbers({ state: 'closed' })).toEqual([]);
    expect(await numbers({ direction: 'asc' })).toEqual([1, 2]);
    const { data } = await f.octokit.pulls.list({ ...R });
    expect(missingFields('pull-request-simple', data[0])).toEqual([]);
  });
});

describe('files, comments, labels, reviews', SLOW, () => {
  // One sandbox with #1 and #2 for the three tests: each reads the files, or adds only its own kind
  // of record (comments and labels, or reviews) and checks only that kind, so none sees another's.
  let f: Fixture;
  let head1: string;
  beforeAll(async () => {
    f = await start();
    head1 = await seed(f, 2);
  }, SLOW.timeout);
  afterAll(async () => f.cleanup());

  it('lists changed files with status, counts and patches that start at the hunk', async () => {
    const { data } = await f.octokit.pulls.listFiles({ ...R, pull_number: 1 });
    expect(data.map((x) => [x.filename, x.status, x.additions, x.deletions, x.changes])).toEqual([
      ['apps/web/configmap.yaml', 'added', 4, 0, 4],
      ['apps/web/deployment.yaml', 'modified', 1, 1, 2],
    ]);
    const dep = data[1];
    expect(dep?.patch).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(dep?.patch).toContain(
      '\n-          image: ghcr.io/acme/web:1.1\n+          image: ghcr.io/acme/web:1.2',
    );
    expect(data[0]?.patch?.startsWith('@@ -0,0 +1,4 @@\n+apiVersion: v1')).toBe(true);
    expect(missingFields('diff-entry', dep)).toEqual([]);
    const two = await f.octokit.pulls.listFiles({ ...R, pull_number: 2 });
    expect(two.data.map((x) => `${x.status} ${x.filename}`)).toEqual([
      'removed README.md',
      'added apps/web/hpa.yaml',
    ]);
  });

  it('comments and labels the pull request as an issue', async () => {
    const c = await f.octokit.issues.createComment({
      ...R,
      issue_number: 1,
      body: 'Approved in chat by @bob',
    });
    expect(c.status).toBe(201);
    expect(missingFields('issue-comment', c.data)).toEqual([]);
    expect(c.data.html_url).toBe(`https://github.com/acme/infra/pull/1#issuecomment-${c.data.id}`);
    const list = await f.octokit.issues.listComments({ ...R, issue_number: 1 });
    expect(list.data.map((x) => x.body)).toEqual(['Approved in chat by @bob']);
    const labels = await f.octokit.issues.addLabels({ ...R, issue_number: 1, labels: ['deckhand', 'image'] });
    expect(labels.data.map((l) => l.name)).toEqual(['deckhand', 'image']);
    await f.octokit.issues.addLabels({ ...R, issue_number: 1, labels: ['deckhand'] });
    const pr = await f.octokit.pulls.get({ ...R, pull_number: 1 });
    expect(pr.data.labels.map((l) => l.name)).toEqual(['deckhand', 'image']);
    expect(pr.data.comments).toBe(1);
    expect(await failure(f.octokit.issues.createComment({ ...R, issue_number: 99, body: 'x' }))).toBe(
      '404 Not Found',
    );
  });

  it('lets another account approve, but not the author', async () => {
    expect(await failure(f.octokit.pulls.createReview({ ...R, pull_number: 1, event: 'APPROVE' }))).toBe(
      '422 Unprocessable Entity Can not approve your own pull request',
    );
    const r = await f.reviewer.pulls.createReview({ ...R, pull_number: 1, event: 'APPROVE', body: 'lgtm' });
    expect(r.data).toMatchObject({ state: 'APPROVED', commit_id: head1, user: { login: 'reviewer' } });
    expect(missingFields('pull-request-review', r.data)).toEqual([]);
    const list = await f.octokit.pulls.listReviews({ ...R, pull_number: 1 });
    expect(list.data.map((x) => `${x.user?.login} ${x.state}`)).toEqual(['reviewer APPROVED']);
  });
});

describe('merging', SLOW, () => {
  it('refuses a stale sha with 409, then merges with a real two-parent merge commit', async () => {
    const { f, head1 } = await sandbox(1);
    const before = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    expect(await failure(f.octokit.pulls.merge({ ...R, pull_number: 1, sha: before }))).toBe(
      '409 Head branch was modified. Review and try the merge again.',
    );
    const m = await f.octokit.pulls.merge({ ...R, pull_number: 1, sha: head1, merge_method: 'merge' });
    expect(m.data).toEqual({ sha: m.data.sha, merged: true, message: 'Pull Request successfully merged' });
    expect((await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha).toBe(m.data.sha);
    expect(f.moves.at(-1)).toEqual({ url: REPO_URL, branch: 'main', from: before, to: m.data.sha });
    const commit = await f.octokit.git.getCommit({ ...R, commit_sha: m.data.sha });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([before, head1]);
    expect(commit.data.message).toBe(`Merge pull request #1 from acme/${B1}\n\nweb: image 1.2`);
    const pr = (await f.octokit.pulls.get({ ...R, pull_number: 1 })).data;
    expect(pr).toMatchObject({
      state: 'closed',
      merged: true,
      merge_commit_sha: m.data.sha,
      mergeable: null,
    });
    expect(pr.merged_by?.login).toBe('deckhand-bot');
    expect(pr.merged_at).toBe(pr.closed_at);
    expect(await failure(f.octokit.pulls.merge({ ...R, pull_number: 1 }))).toBe(
      '405 Pull Request is not mergeable',
    );
    // A merged pull request still shows what it changed.
    expect((await f.octokit.pulls.listFiles({ ...R, pull_number: 1 })).data).toHaveLength(2);
    expect((await f.repos.files(REPO_URL, 'main')).get('apps/web/deployment.yaml')).toContain('web:1.2');
  });

  it('squash-merges into one commit with one parent', async () => {
    const { f } = await sandbox(2);
    const before = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    const m = await f.octokit.pulls.merge({ ...R, pull_number: 2, merge_method: 'squash' });
    const commit = await f.octokit.git.getCommit({ ...R, commit_sha: m.data.sha });
    expect(commit.data.parents.map((p) => p.sha)).toEqual([before]);
    expect(commit.data.message.split('\n')[0]).toBe('web: autoscale (#2)');
    expect(commit.data.committer.name).toBe('GitHub');
    const files = await f.repos.files(REPO_URL, 'main');
    expect(files.has('README.md')).toBe(false);
    expect(files.has('apps/web/hpa.yaml')).toBe(true);
  });

  it('marks a conflicting pull request not mergeable (dirty) and refuses to merge it', async () => {
    const { f } = await sandbox();
    await branchWith(f, 'left', { 'apps/web/deployment.yaml': deployment('ghcr.io/acme/web:2.0', 2) });
    await branchWith(f, 'right', { 'apps/web/deployment.yaml': deployment('ghcr.io/acme/web:3.0', 2) });
    const left = await f.octokit.pulls.create({ ...R, head: 'left', base: 'main', title: 'left' });
    const right = await f.octokit.pulls.create({ ...R, head: 'right', base: 'main', title: 'right' });
    expect(right.data.mergeable).toBe(true);
    await f.octokit.pulls.merge({ ...R, pull_number: left.data.number });
    const now = (await f.octokit.pulls.get({ ...R, pull_number: right.data.number })).data;
    expect([now.mergeable, now.mergeable_state]).toEqual([false, 'dirty']);
    expect(await failure(f.octokit.pulls.merge({ ...R, pull_number: right.data.number }))).toBe(
      '405 Pull Request is not mergeable',
    );
  });

  it('closes with PATCH state=closed and can reopen', async () => {
    // Its own open pull request, found by its head as a client would (not one another test left open).
    const { f } = await sandbox(1);
    const n = (await f.octokit.pulls.list({ ...R, head: `acme:${B1}` })).data[0]?.number as number;
    const closed = await f.octokit.pulls.update({ ...R, pull_number: n, state: 'closed' });
    expect(closed.data).toMatchObject({ state: 'closed', merged: false, merged_at: null });
    expect(closed.data.closed_at).not.toBeNull();
    expect((await f.octokit.pulls.list({ ...R, state: 'closed' })).data.map((p) => p.number)).toContain(n);
    expect((await f.octokit.pulls.list({ ...R })).data.map((p) => p.number)).not.toContain(n);
    const reopened = await f.octokit.pulls.update({ ...R, pull_number: n, state: 'open' });
    expect([reopened.data.state, reopened.data.closed_at]).toEqual(['open', null]);
  });
});
