/**
 * deckhand's own GitHub client (GitHubHost on octokit) against the sandbox GitHub, end to end:
 * one commit of two files on a branch, a pull request found again by its branch, its diff, a
 * comment, a merge refused for a moved head and then done for real, the files and commits of a path,
 * conflicts, checks, and the errors a misconfigured bot would meet.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { NotFoundError, UpstreamError } from '../../core/errors.ts';
import { GitHubHost } from '../../plugins/gitops-pr/hosts/github.ts';
import { HeadMovedError, NotMergeableError } from '../../plugins/gitops-pr/hosts/errors.ts';
import { R, REPO_URL, deployment, SLOW, start, type Fixture } from './testing.ts';
import { step } from '../../../test/support/step.ts';

// Shared by the tests that leave main where it is (reading it, statuses on it, refused requests).
let f: Fixture;
beforeAll(async () => {
  f = await start();
});
afterAll(async () => f.cleanup());

/** A sandbox of the test's own, stopped when it ends: for a test that opens pull requests or moves main. */
async function own(): Promise<Fixture> {
  const g = await start();
  onTestFinished(() => g.cleanup());
  return g;
}

const BRANCH = 'deckhand/image/web-0a1b2c3';
const NEW_IMAGE = deployment('ghcr.io/acme/web:1.2', 2);
const CONFIG = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n';

async function propose(
  f: Fixture,
  branch: string,
  changes: { path: string; content: string | null }[],
  title: string,
) {
  const baseSha = await f.host.branchHead(REPO_URL, 'main');
  const { sha } = await f.host.commitFiles(REPO_URL, { branch, baseSha, message: title, changes });
  const pr = await f.host.openPullRequest(REPO_URL, {
    head: branch,
    base: 'main',
    title,
    body: 'asked in chat',
    labels: ['deckhand'],
  });
  return { baseSha, sha, pr };
}

describe('GitHubHost against the sandbox', SLOW, () => {
  it('reads the tree of a branch', async () => {
    const tree = await f.host.tree(REPO_URL, await f.host.branchHead(REPO_URL, 'main'));
    expect(await tree.read('apps/web/deployment.yaml')).toContain('web:1.1');
    expect(await tree.read('./apps/web/missing.yaml')).toBeUndefined();
    expect(await tree.list('apps/web')).toEqual(['deployment.yaml', 'service.yaml']);
    expect(await tree.list('')).toEqual(['README.md', 'apps']);
  });

  // One story, in order: each step needs what the one before did (pull request #1, its recommitted
  // head, the merge), so it is one test on a sandbox of its own rather than a chain of tests.
  it('opens, finds, recommits, diffs, comments on and merges a pull request, then reads the merge', async () => {
    const f = await own();
    let merged = '';

    await step('opens a pull request with one commit of two files, then finds and lists it', async () => {
      const { baseSha, sha, pr } = await propose(
        f,
        BRANCH,
        [
          { path: 'apps/web/deployment.yaml', content: NEW_IMAGE },
          { path: 'apps/web/configmap.yaml', content: CONFIG },
        ],
        'web: image 1.2',
      );
      expect((await f.host.commit(REPO_URL, sha)).parents).toEqual([baseSha]);
      expect(pr).toMatchObject({
        number: 1,
        state: 'open',
        headBranch: BRANCH,
        baseBranch: 'main',
        headSha: sha,
      });
      expect(pr.url).toBe('https://github.com/acme/infra/pull/1');
      const found = await f.host.findOpenPullRequest(REPO_URL, BRANCH);
      expect(found?.number).toBe(1);
      expect(await f.host.findOpenPullRequest(REPO_URL, 'deckhand/image/other')).toBeUndefined();
      const listed = await f.host.listPullRequests(REPO_URL, { state: 'open', headPrefix: 'deckhand/' });
      expect(listed.map((p) => p.number)).toEqual([1]);
      const got = await f.host.getPullRequest(REPO_URL, 1);
      expect(got).toMatchObject({
        mergeable: true,
        blockedReason: undefined,
        labels: ['deckhand'],
        author: 'deckhand-bot',
      });
    });

    await step('recommits the same branch when asked again (the branch exists: forced update)', async () => {
      const baseSha = await f.host.branchHead(REPO_URL, 'main');
      const { sha } = await f.host.commitFiles(REPO_URL, {
        branch: BRANCH,
        baseSha,
        message: 'web: image 1.2',
        changes: [
          { path: 'apps/web/deployment.yaml', content: NEW_IMAGE },
          { path: 'apps/web/configmap.yaml', content: CONFIG },
        ],
      });
      expect(await f.host.branchHead(REPO_URL, BRANCH)).toBe(sha);
      expect((await f.host.getPullRequest(REPO_URL, 1)).headSha).toBe(sha);
    });

    await step('shows the diff and takes a comment', async () => {
      const diff = await f.host.pullRequestDiff(REPO_URL, 1);
      expect(diff.map((d) => d.path)).toEqual(['apps/web/configmap.yaml', 'apps/web/deployment.yaml']);
      expect(diff.every((d) => d.patch.startsWith('@@ '))).toBe(true);
      expect(diff[1]?.patch).toContain('+          image: ghcr.io/acme/web:1.2');
      await f.host.comment(REPO_URL, 1, 'Approved by @bob in #ops');
      const comments = await f.octokit.issues.listComments({ ...R, issue_number: 1 });
      expect(comments.data.map((c) => c.body)).toEqual(['Approved by @bob in #ops']);
    });

    await step(
      'refuses to merge a head that moved (HeadMovedError), then merges at the approved head',
      async () => {
        const head = await f.host.branchHead(REPO_URL, BRANCH);
        const main = await f.host.branchHead(REPO_URL, 'main');
        await expect(
          f.host.mergePullRequest(REPO_URL, 1, { sha: main, method: 'merge' }),
        ).rejects.toBeInstanceOf(HeadMovedError);
        expect(await f.host.branchHead(REPO_URL, 'main')).toBe(main);
        const moves = f.moves.length;
        const { sha } = await f.host.mergePullRequest(REPO_URL, 1, { sha: head, method: 'merge' });
        merged = sha;
        expect(await f.host.branchHead(REPO_URL, 'main')).toBe(sha);
        expect(f.moves.slice(moves)).toEqual([{ url: REPO_URL, branch: 'main', from: main, to: sha }]);
        expect((await f.host.commit(REPO_URL, sha)).parents).toEqual([main, head]);
        expect(await f.host.getPullRequest(REPO_URL, 1)).toMatchObject({ state: 'merged', mergeSha: sha });
        expect((await f.repos.files(REPO_URL, 'main')).get('apps/web/configmap.yaml')).toBe(CONFIG);
      },
    );

    await step(
      'lists the files a merge brought and the commits that touched a path, as GitHub answers them',
      async () => {
        const files = await f.host.changedFiles(REPO_URL, merged);
        expect(files).toEqual([
          { path: 'apps/web/configmap.yaml', status: 'added' },
          { path: 'apps/web/deployment.yaml', status: 'modified' },
        ]);
        // `git log -- path` (GitHub's path filter) shows the branch commit, not the merge that only took it.
        const touching = await f.host.commitsTouching(REPO_URL, { ref: 'main', path: 'apps/web', limit: 10 });
        const mergeInfo = await f.host.commit(REPO_URL, merged);
        expect(touching[0]?.sha).toBe(mergeInfo.parents[1]);
        expect(touching[0]?.message).toBe('web: image 1.2');
        expect(await f.host.commitsTouching(REPO_URL, { ref: 'main', path: 'nowhere', limit: 10 })).toEqual(
          [],
        );
      },
    );
  });

  it('reports a conflict as not mergeable (NotMergeableError)', async () => {
    // Its own sandbox: merging here moves main, which the other tests read as seeded.
    const f = await own();
    const a = await propose(
      f,
      'deckhand/replicas/web-1111111',
      [{ path: 'apps/web/deployment.yaml', content: deployment('ghcr.io/acme/web:1.1', 5) }],
      'five',
    );
    const b = await propose(
      f,
      'deckhand/replicas/web-2222222',
      [{ path: 'apps/web/deployment.yaml', content: deployment('ghcr.io/acme/web:1.1', 7) }],
      'seven',
    );
    await f.host.mergePullRequest(REPO_URL, a.pr.number, {
      sha: await f.host.branchHead(REPO_URL, 'deckhand/replicas/web-1111111'),
      method: 'merge',
    });
    expect(await f.host.getPullRequest(REPO_URL, b.pr.number)).toMatchObject({
      mergeable: false,
      blockedReason: 'dirty',
    });
    await expect(
      f.host.mergePullRequest(REPO_URL, b.pr.number, { sha: b.sha, method: 'merge' }),
    ).rejects.toBeInstanceOf(NotMergeableError);
    await f.host.closePullRequest(REPO_URL, b.pr.number);
    expect((await f.host.getPullRequest(REPO_URL, b.pr.number)).state).toBe('closed');
  });

  it('explains a bad token and an unknown repository', async () => {
    const bad = new GitHubHost({
      name: 'github',
      host: 'github.com',
      apiUrl: f.url,
      token: 'wrong',
      timeoutMs: 5_000,
    });
    const err = await bad.branchHead(REPO_URL, 'main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ failure: 'unauthorized', status: 401 });
    await expect(f.host.branchHead('https://github.com/acme/unknown', 'main')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
