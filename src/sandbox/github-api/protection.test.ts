/**
 * Branch protection and the sandbox's CI, through Octokit: an admin protects `main`, merges are
 * held back in GitHub's words until the required checks pass and the reviews are in, and CI
 * reports its check runs on every push, delivered to the repository's hooks as `check_run`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { R, REPO_URL, branchWith, SLOW, start, type Fixture } from './testing.ts';

/** CI's runs take 0.8 s: long enough to be seen running, waited for by event. */
const WAIT = { timeout: 5000, interval: 50 };
const ADMIN_TOKEN = 'ghp_sandbox_admin';
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const status = (e: unknown) => ({
  status: (e as { status: number }).status,
  message: (e as { response: { data: { message: string } } }).response.data.message,
});

let f: Fixture;
let admin: Octokit;
let hooks: Server;
const delivered: { event: string; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  f = await start(undefined, {
    users: { [ADMIN_TOKEN]: 'acme', ghp_sandbox_reviewer: 'reviewer' },
    ci: new Map([[REPO_URL, [{ name: 'ci', delayMs: 800, conclusion: 'success' as const }]]]),
  });
  admin = new Octokit({ auth: ADMIN_TOKEN, baseUrl: f.url, log: silent });
  hooks = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      delivered.push({ event: String(req.headers['x-github-event']), body: JSON.parse(text) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  const port = (hooks.address() as AddressInfo).port;
  await admin.repos.createWebhook({
    ...R,
    config: { url: `http://127.0.0.1:${port}/`, content_type: 'json' },
    events: ['check_run', 'pull_request', 'status'],
  });
});
afterAll(async () => {
  await new Promise((r) => hooks.close(r));
  await f.cleanup();
});

const protect = (checks: string[] | null, reviews = 0, enforce = true) =>
  admin.repos.updateBranchProtection({
    ...R,
    branch: 'main',
    required_status_checks: checks ? { strict: false, contexts: checks } : null,
    enforce_admins: enforce,
    required_pull_request_reviews: reviews ? { required_approving_review_count: reviews } : null,
    restrictions: null,
  });

describe('branch protection', SLOW, () => {
  it('is set by an admin only, with all four keys, and shows on the branch', async () => {
    const bot = await f.octokit.repos
      .updateBranchProtection({
        ...R,
        branch: 'main',
        required_status_checks: null,
        enforce_admins: null,
        required_pull_request_reviews: null,
        restrictions: null,
      })
      .catch(status);
    expect(bot).toEqual({ status: 403, message: 'Must have admin rights to Repository.' });
    const partial = await admin
      .request('PUT /repos/{owner}/{repo}/branches/{branch}/protection', {
        ...R,
        branch: 'main',
        required_status_checks: null,
      } as never)
      .catch(status);
    expect(partial).toMatchObject({
      status: 422,
      message: expect.stringContaining('"enforce_admins" wasn\'t supplied'),
    });
    expect(await admin.repos.getBranchProtection({ ...R, branch: 'main' }).catch(status)).toEqual({
      status: 404,
      message: 'Branch not protected',
    });
    await protect(['ci', 'lint']);
    const branch = (await f.octokit.repos.getBranch({ ...R, branch: 'main' })).data;
    expect(branch.protected).toBe(true);
    expect(branch.protection.required_status_checks?.contexts).toEqual(['ci', 'lint']);
    expect(
      (await admin.repos.getBranchProtection({ ...R, branch: 'main' })).data.enforce_admins?.enabled,
    ).toBe(true);
  });

  it('holds a merge back until the required checks pass, in GitHub words; CI reports on every push', async () => {
    await protect(['ci', 'lint']);
    const sha = await branchWith(f, 'needs-checks', { 'a.txt': 'a\n' });
    const pr = (await f.octokit.pulls.create({ ...R, head: 'needs-checks', base: 'main', title: 'checks' }))
      .data;
    const merge = () => f.octokit.pulls.merge({ ...R, pull_number: pr.number, sha }).catch(status);
    const state = async () =>
      (await f.octokit.pulls.get({ ...R, pull_number: pr.number })).data.mergeable_state;
    // CI queued its run on the push; lint never reported.
    expect(await merge()).toEqual({
      status: 405,
      message: '2 of 2 required status checks have not succeeded: 1 expected.',
    });
    expect(await state()).toBe('blocked');
    await vi.waitFor(async () => {
      const runs = (await f.octokit.checks.listForRef({ ...R, ref: sha })).data.check_runs;
      expect(runs.map((r) => [r.name, r.conclusion])).toEqual([['ci', 'success']]);
    }, WAIT);
    expect(await merge()).toEqual({ status: 405, message: 'Required status check "lint" is expected.' });
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'failure', context: 'lint' });
    expect(await merge()).toEqual({ status: 405, message: 'Required status check "lint" is failing.' });
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'success', context: 'lint' });
    expect(await state()).toBe('clean');
    expect((await f.octokit.pulls.merge({ ...R, pull_number: pr.number, sha })).data.merged).toBe(true);
    const runs = delivered.filter((d) => d.event === 'check_run').map((d) => d.body);
    expect(runs.map((b) => b.action)).toEqual(expect.arrayContaining(['created', 'completed']));
    expect(runs.find((b) => b.action === 'completed')).toMatchObject({
      check_run: { name: 'ci', head_sha: sha, conclusion: 'success', pull_requests: [{ number: pr.number }] },
      sender: { login: 'github-actions[bot]' },
    });
    expect(
      delivered.some((d) => d.event === 'status' && d.body.sha === sha && d.body.context === 'lint'),
    ).toBe(true);
  });

  it('a failing CI check is run again on request with the conclusion as set now', async () => {
    await protect(['ci']);
    const ci = (f.server as { ci?: { setConclusion(c: string, x: 'success' | 'failure'): number } }).ci;
    expect(ci?.setConclusion('ci', 'failure')).toBe(1);
    const sha = await branchWith(f, 'flaky', { 'b.txt': 'b\n' });
    const pr = (await f.octokit.pulls.create({ ...R, head: 'flaky', base: 'main', title: 'flaky' })).data;
    const run = await vi.waitFor(async () => {
      const r = (await f.octokit.checks.listForRef({ ...R, ref: sha })).data.check_runs[0];
      expect(r?.conclusion).toBe('failure');
      return r as { id: number };
    }, WAIT);
    expect(
      (
        await f.octokit.pulls
          .merge({ ...R, pull_number: pr.number, sha })
          .then(() => ({ message: 'merged' }), status)
      ).message,
    ).toBe('Required status check "ci" is failing.');
    ci?.setConclusion('ci', 'success');
    await f.octokit.checks.rerequestRun({ ...R, check_run_id: run.id });
    await vi.waitFor(async () =>
      expect((await f.octokit.pulls.get({ ...R, pull_number: pr.number })).data.mergeable_state).toBe(
        'clean',
      ),
    );
    expect(await f.octokit.checks.rerequestRun({ ...R, check_run_id: 999_999 }).catch(status)).toMatchObject({
      status: 404,
    });
    await f.octokit.pulls.update({ ...R, pull_number: pr.number, state: 'closed' });
  });

  it('requires approving reviews by others; an admin passes when admins are not enforced', async () => {
    await protect(null, 1);
    const sha = await branchWith(f, 'needs-review', { 'c.txt': 'c\n' });
    const pr = (await f.octokit.pulls.create({ ...R, head: 'needs-review', base: 'main', title: 'review' }))
      .data;
    expect(
      (
        await f.octokit.pulls
          .merge({ ...R, pull_number: pr.number, sha })
          .then(() => ({ message: 'merged' }), status)
      ).message,
    ).toBe('At least 1 approving review is required by reviewers with write access.');
    await f.reviewer.pulls.createReview({
      ...R,
      pull_number: pr.number,
      event: 'REQUEST_CHANGES',
      body: 'no',
    });
    expect(
      (
        await f.octokit.pulls
          .merge({ ...R, pull_number: pr.number, sha })
          .then(() => ({ message: 'merged' }), status)
      ).message,
    ).toBe('Changes requested by a reviewer with write access.');
    await f.reviewer.pulls.createReview({ ...R, pull_number: pr.number, event: 'APPROVE' });
    expect((await f.octokit.pulls.merge({ ...R, pull_number: pr.number, sha })).data.merged).toBe(true);
    await protect(['never-reported'], 0, false);
    const sha2 = await branchWith(f, 'admin-merge', { 'd.txt': 'd\n' });
    const pr2 = (await f.octokit.pulls.create({ ...R, head: 'admin-merge', base: 'main', title: 'admin' }))
      .data;
    expect(
      (await f.octokit.pulls.merge({ ...R, pull_number: pr2.number, sha: sha2 }).catch(status)).status,
    ).toBe(405);
    expect((await admin.pulls.merge({ ...R, pull_number: pr2.number, sha: sha2 })).data.merged).toBe(true);
    await admin.repos.deleteBranchProtection({ ...R, branch: 'main' });
    expect((await f.octokit.repos.getBranch({ ...R, branch: 'main' })).data.protected).toBe(false);
  });

  it('tells the hooks of a push to an open pull request (synchronize), whoever pushed', async () => {
    const first = await branchWith(f, 'pushed-to', { 'e.txt': 'e\n' });
    const pr = (await f.octokit.pulls.create({ ...R, head: 'pushed-to', base: 'main', title: 'push' })).data;
    const next = await f.octokit.git.createCommit({
      ...R,
      message: 'more',
      tree: (await f.octokit.git.getCommit({ ...R, commit_sha: first })).data.tree.sha,
      parents: [first],
    });
    await f.octokit.git.updateRef({ ...R, ref: 'heads/pushed-to', sha: next.data.sha });
    await vi.waitFor(() =>
      expect(
        delivered.find((d) => d.event === 'pull_request' && d.body.action === 'synchronize')?.body,
      ).toMatchObject({
        number: pr.number,
        before: first,
        after: next.data.sha,
        pull_request: { head: { sha: next.data.sha } },
      }),
    );
  });
  it('GitHubHost reads the checks, which are required, and what else holds the merge back', async () => {
    await protect(['ci', 'lint']);
    const sha = await branchWith(f, 'readiness', { 'f.txt': 'f\n' });
    const pr = (await f.octokit.pulls.create({ ...R, head: 'readiness', base: 'main', title: 'ready?' }))
      .data;
    const read = () => f.host.mergeReadiness(REPO_URL, pr.number);
    const first = await read();
    expect(first.headSha).toBe(sha);
    expect(first.blocked).toBeUndefined();
    expect(first.checks).toEqual([
      expect.objectContaining({
        name: 'ci',
        state: 'pending',
        required: true,
        url: expect.stringContaining('/runs/'),
      }),
      { name: 'lint', state: 'expected', required: true },
    ]);
    await f.octokit.repos.createCommitStatus({
      ...R,
      sha,
      state: 'failure',
      context: 'lint',
      target_url: 'https://ci.example/lint/1',
    });
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'success', context: 'docs' });
    await vi.waitFor(
      async () => expect((await read()).checks.find((c) => c.name === 'ci')?.state).toBe('success'),
      WAIT,
    );
    expect((await read()).checks).toEqual([
      expect.objectContaining({ name: 'ci', state: 'success', required: true }),
      { name: 'lint', state: 'failure', required: true, url: 'https://ci.example/lint/1' },
      { name: 'docs', state: 'success', required: false },
    ]);
    await f.octokit.repos.createCommitStatus({ ...R, sha, state: 'success', context: 'lint' });
    await protect(['ci'], 1);
    expect((await read()).blocked).toMatch(/branch protection or rules hold it/);
    await f.reviewer.pulls.createReview({ ...R, pull_number: pr.number, event: 'APPROVE' });
    expect((await read()).blocked).toBeUndefined();
    await admin.repos.deleteBranchProtection({ ...R, branch: 'main' });
    await f.octokit.pulls.update({ ...R, pull_number: pr.number, state: 'closed' });
  });
});
