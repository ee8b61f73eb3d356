/**
 * Commit statuses and check runs on the sandbox GitHub: nothing until something reports, then
 * GitHub's combination per context, and a pull request with a failing status is "unstable".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, branchWith, missingFields, SLOW, start, type Fixture } from './testing.ts';

let f: Fixture;
beforeAll(async () => {
  f = await start();
});
afterAll(async () => f.cleanup());

describe('statuses and checks', SLOW, () => {
  it('starts with no checks (combined pending, total 0) and combines statuses per context', async () => {
    const sha = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    const combined = async () => (await f.octokit.repos.getCombinedStatusForRef({ ...R, ref: sha })).data;
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 0, statuses: [], sha });
    expect((await f.octokit.checks.listForRef({ ...R, ref: sha })).data).toEqual({
      total_count: 0,
      check_runs: [],
    });
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'pending', context: 'ci/build' });
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 1 });
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'success', context: 'ci/build' });
    expect(await combined()).toMatchObject({ state: 'success', total_count: 1 });
    await f.octokit.repos.createCommitStatus({
      ...R,
      sha,
      state: 'failure',
      context: 'ci/lint',
      description: 'yamllint',
    });
    const c = await combined();
    expect(c.state).toBe('failure');
    expect(c.statuses.map((s) => `${s.context}=${s.state}`).sort()).toEqual([
      'ci/build=success',
      'ci/lint=failure',
    ]);
    expect(missingFields('combined-commit-status', c)).toEqual([]);
    expect(missingFields('simple-commit-status', c.statuses[0])).toEqual([]);
    const all = await f.octokit.repos.listCommitStatusesForRef({ ...R, ref: 'main' });
    expect(all.data.map((s) => s.state)).toEqual(['failure', 'success', 'pending']);
    const bad = await f.octokit.repos
      .createCommitStatus({ ...R, sha, state: 'great' as 'success' })
      .catch((e: { status: number }) => e.status);
    expect(bad).toBe(422);
  });

  it('reports check runs posted for a commit; a pull request with a failing status is unstable', async () => {
    const sha = await branchWith(f, 'ci-branch', { 'ci.txt': 'x\n' });
    const pr = await f.octokit.pulls.create({ ...R, head: 'ci-branch', base: 'main', title: 'ci' });
    expect(pr.data.mergeable_state).toBe('clean');
    const run = await f.octokit.checks.create({ ...R, name: 'build', head_sha: sha, status: 'in_progress' });
    const listed = async () => (await f.octokit.checks.listForRef({ ...R, ref: 'ci-branch' })).data;
    expect((await listed()).check_runs[0]).toMatchObject({
      name: 'build',
      status: 'in_progress',
      conclusion: null,
    });
    await f.octokit.checks.update({ ...R, check_run_id: run.data.id, conclusion: 'failure' });
    const runs = await listed();
    expect(runs.total_count).toBe(1);
    expect(runs.check_runs[0]).toMatchObject({
      name: 'build',
      status: 'completed',
      conclusion: 'failure',
      head_sha: sha,
    });
    expect(missingFields('check-run', runs.check_runs[0])).toEqual([]);
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'error', context: 'ci/e2e' });
    const got = (await f.octokit.pulls.get({ ...R, pull_number: pr.data.number })).data;
    expect([got.mergeable, got.mergeable_state]).toEqual([true, 'unstable']);
  });
});
