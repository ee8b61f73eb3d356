/**
 * The sandbox GitHub across restarts (pull requests, comments, labels, reviews and statuses come
 * back from the state file, numbering continues) and under the fault knobs every sandbox server has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { R, REPO_URL, branchWith, SLOW, start, type Fixture } from './testing.ts';

const opened: Fixture[] = [];
afterAll(async () => {
  for (const f of opened.reverse()) await f.cleanup();
});

describe('restart', SLOW, () => {
  it('keeps pull requests and their comments, labels, reviews and statuses', async () => {
    const f = await start();
    opened.push(f);
    const head = await branchWith(f, 'deckhand/image/web-abcdef0', { 'apps/web/x.yaml': 'x: 1\n' });
    await branchWith(f, 'to-merge', { 'apps/web/y.yaml': 'y: 1\n' });
    await f.octokit.pulls.create({ ...R, head: 'deckhand/image/web-abcdef0', base: 'main', title: 'one' });
    await f.octokit.pulls.create({ ...R, head: 'to-merge', base: 'main', title: 'two' });
    await f.octokit.issues.createComment({ ...R, issue_number: 1, body: 'requested by @ann' });
    await f.octokit.issues.addLabels({ ...R, issue_number: 1, labels: ['deckhand'] });
    await f.reviewer.pulls.createReview({ ...R, pull_number: 1, event: 'APPROVE' });
    await f.octokit.repos.createCommitStatus({ ...R, sha: head, state: 'success', context: 'ci' });
    const merged = await f.octokit.pulls.merge({ ...R, pull_number: 2 });
    const before = (await f.octokit.pulls.get({ ...R, pull_number: 1 })).data;

    const g = await f.restart();
    opened.push(g);
    expect(g.url).not.toBe('');
    const after = (await g.octokit.pulls.get({ ...R, pull_number: 1 })).data;
    // Same record; only the server's own address in `url` fields may differ.
    const strip = (x: unknown) => JSON.stringify(x).replace(/http:\/\/127\.0\.0\.1:\d+/g, '');
    expect(strip(after)).toBe(strip(before));
    expect((await g.octokit.issues.listComments({ ...R, issue_number: 1 })).data.map((c) => c.body)).toEqual([
      'requested by @ann',
    ]);
    expect((await g.octokit.pulls.listReviews({ ...R, pull_number: 1 })).data.map((r) => r.state)).toEqual([
      'APPROVED',
    ]);
    expect((await g.octokit.repos.getCombinedStatusForRef({ ...R, ref: head })).data.state).toBe('success');
    expect(await g.host.getPullRequest(REPO_URL, 2)).toMatchObject({
      state: 'merged',
      mergeSha: merged.data.sha,
    });
    await branchWith(g, 'three', { 'apps/web/z.yaml': 'z: 1\n' });
    const third = await g.octokit.pulls.create({ ...R, head: 'three', base: 'main', title: 'three' });
    expect(third.data.number).toBe(3);
    const file = JSON.parse(readFileSync(join(g.dir, 'github-state.json'), 'utf8')) as { version: number };
    expect(file.version).toBe(1);
  });

  it('forgets them without a state file (they live in the file, not in git)', async () => {
    const f = await start();
    opened.push(f);
    await branchWith(f, 'b', { 'b.txt': 'b\n' });
    await f.octokit.pulls.create({ ...R, head: 'b', base: 'main', title: 'b' });
    await f.stop();
    const g = await start(f.dir, { stateFile: undefined });
    opened.push(g);
    const err = await g.octokit.pulls
      .get({ ...R, pull_number: 1 })
      .catch((e: { status: number }) => e.status);
    expect(err).toBe(404);
    // The branch itself is real git and is still there.
    expect((await g.octokit.git.getRef({ ...R, ref: 'heads/b' })).status).toBe(200);
  });
});

describe('fault knobs', SLOW, () => {
  it('answers 503 in GitHub shape when the error rate says so, and refuses connections when down', async () => {
    const knobs = { faults: { latencyMs: 0, errorRate: 1, down: false } };
    const f = await start(undefined, { faults: knobs });
    opened.push(f);
    const res = await fetch(`${f.url}/repos/acme/infra`, {
      headers: { authorization: 'token ghp_sandbox_token' },
    });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toBe('Service Unavailable');
    knobs.faults.errorRate = 0;
    expect(
      (await fetch(`${f.url}/repos/acme/infra`, { headers: { authorization: 'token ghp_sandbox_token' } }))
        .status,
    ).toBe(200);
    await f.server.down();
    await expect(fetch(`${f.url}/repos/acme/infra`)).rejects.toThrow();
    await f.server.up();
    expect(
      (await fetch(`${f.url}/repos/acme/infra`, { headers: { authorization: 'token ghp_sandbox_token' } }))
        .status,
    ).toBe(200);
  });
});
