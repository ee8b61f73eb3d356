import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../core/errors.ts';
import { FakeGitLab } from '../../../../test/support/fake-gitlab.ts';
import { BranchInUseError, HeadMovedError, NotMergeableError } from './errors.ts';
import { GitLabHost } from './gitlab.ts';

const REPO = 'https://gitlab.example.com/platform/infra.git';
let fake: FakeGitLab;
let host: GitLabHost;

beforeEach(async () => {
  fake = new FakeGitLab('platform/infra', 'glpat-secret-token', {
    'apps/web/kustomization.yaml': 'images:\n  - name: web\n    newTag: "1.0"\n',
    'apps/web/deployment.yaml': 'replicas: 2\n',
    'README.md': 'infra\n',
  });
  const url = await fake.start();
  host = new GitLabHost({
    name: 'gitlab.example.com',
    host: 'gitlab.example.com',
    apiUrl: url,
    token: 'glpat-secret-token',
    timeoutMs: 5000,
  });
});
afterEach(async () => fake.stop());

describe('GitLab host (gitbeaker against a local fake of the v4 API)', () => {
  it('serves only its own host and reads a tree with its files', async () => {
    expect(host.serves(REPO)).toBe(true);
    expect(host.serves('https://github.com/x/y')).toBe(false);
    const sha = await host.branchHead(REPO, 'main');
    const tree = await host.tree(REPO, sha);
    expect(await tree.list('apps/web')).toEqual(['deployment.yaml', 'kustomization.yaml']);
    expect(await tree.read('apps/web/deployment.yaml')).toBe('replicas: 2\n');
    expect(await tree.read('nope.yaml')).toBeUndefined();
  });

  it('commits several files in one commit on a new branch and opens a merge request', async () => {
    const base = await host.branchHead(REPO, 'main');
    const { sha } = await host.commitFiles(REPO, {
      branch: 'deckhand/replicas/web-1a2b3c4',
      baseSha: base,
      message: 'web: scale to 3',
      changes: [
        { path: 'apps/web/deployment.yaml', content: 'replicas: 3\n' },
        { path: 'apps/web/NOTES', content: 'scaled\n' },
      ],
      author: { name: 'deckhand', email: 'deckhand@example.com' },
    });
    expect(fake.head('deckhand/replicas/web-1a2b3c4').id).toBe(sha);
    expect(fake.head('deckhand/replicas/web-1a2b3c4').parent).toBe(base);
    const mr = await host.openPullRequest(REPO, {
      head: 'deckhand/replicas/web-1a2b3c4',
      base: 'main',
      title: 'web: scale to 3',
      body: 'why',
      labels: ['deckhand'],
    });
    expect(mr).toMatchObject({
      number: 1,
      state: 'open',
      headSha: sha,
      mergeable: true,
      labels: ['deckhand'],
    });
    expect((await host.findOpenPullRequest(REPO, 'deckhand/replicas/web-1a2b3c4'))?.number).toBe(1);
    expect(await host.pullRequestDiff(REPO, 1)).toHaveLength(2);
  });

  it('merges at the approved head, and refuses when the branch moved', async () => {
    const base = await host.branchHead(REPO, 'main');
    const first = await host.commitFiles(REPO, {
      branch: 'b',
      baseSha: base,
      message: 'm',
      changes: [{ path: 'README.md', content: 'x\n' }],
    });
    await host.openPullRequest(REPO, { head: 'b', base: 'main', title: 't', body: '' });
    // deckhand itself never pushes over the branch of an open merge request (issue 20)…
    await expect(
      host.commitFiles(REPO, {
        branch: 'b',
        baseSha: first.sha,
        message: 'm2',
        changes: [{ path: 'README.md', content: 'y\n' }],
      }),
    ).rejects.toBeInstanceOf(BranchInUseError);
    // …someone else does, through the API as gitbeaker would.
    const pushed = await fetch(`${fake.url}/api/v4/projects/platform%2Finfra/repository/commits`, {
      method: 'POST',
      headers: { 'private-token': 'glpat-secret-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        branch: 'b',
        commit_message: 'm2',
        start_sha: first.sha,
        force: true,
        actions: [{ action: 'update', file_path: 'README.md', content: 'y\n' }],
      }),
    });
    const moved = { sha: ((await pushed.json()) as { id: string }).id };
    await expect(host.mergePullRequest(REPO, 1, { sha: first.sha, method: 'merge' })).rejects.toBeInstanceOf(
      HeadMovedError,
    );
    const merged = await host.mergePullRequest(REPO, 1, { sha: moved.sha, method: 'merge' });
    expect(fake.head('main').id).toBe(merged.sha);
    expect(fake.head('main').files.get('README.md')).toBe('y\n');
    expect((await host.getPullRequest(REPO, 1)).state).toBe('merged');
  });

  it('reports a merge GitLab will not do as not mergeable', async () => {
    fake.blockMerges = 'ci_must_pass';
    const base = await host.branchHead(REPO, 'main');
    const c = await host.commitFiles(REPO, {
      branch: 'b',
      baseSha: base,
      message: 'm',
      changes: [{ path: 'README.md', content: 'x\n' }],
    });
    await host.openPullRequest(REPO, { head: 'b', base: 'main', title: 't', body: '' });
    expect((await host.getPullRequest(REPO, 1)).mergeable).toBe(false);
    await expect(host.mergePullRequest(REPO, 1, { sha: c.sha, method: 'merge' })).rejects.toBeInstanceOf(
      NotMergeableError,
    );
  });

  it('lists the files a commit changed and the commits that touched a path; comments and closes', async () => {
    const base = await host.branchHead(REPO, 'main');
    const c = await host.commitFiles(REPO, {
      branch: 'main',
      baseSha: base,
      message: 'bump',
      changes: [{ path: 'README.md', content: 'bumped\n' }],
    });
    expect(await host.changedFiles(REPO, c.sha)).toEqual([{ path: 'README.md', status: 'modified' }]);
    const touching = await host.commitsTouching(REPO, { ref: 'main', path: 'README.md', limit: 10 });
    expect(touching.map((x) => x.sha)).toEqual([c.sha, base]);
    expect((await host.commit(REPO, c.sha)).parents).toEqual([base]);
    await host.commitFiles(REPO, {
      branch: 'deckhand/revert/web-1',
      baseSha: c.sha,
      message: 'Revert "bump"',
      changes: [{ path: 'README.md', content: 'infra\n' }],
    });
    await host.openPullRequest(REPO, { head: 'deckhand/revert/web-1', base: 'main', title: 't', body: '' });
    await host.comment(REPO, 1, 'Approved in chat by bob');
    await host.closePullRequest(REPO, 1);
    expect(fake.mrs[0]).toMatchObject({ state: 'closed', notes: ['Approved in chat by bob'] });
  });

  it('says when GitLab refuses the token', async () => {
    const bad = new GitLabHost({
      name: 'gitlab.example.com',
      host: 'gitlab.example.com',
      apiUrl: fake.url,
      token: 'wrong',
      timeoutMs: 5000,
    });
    const err = await bad.branchHead(REPO, 'main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).failure).toBe('unauthorized');
    expect((err as Error).message).toMatch(/gitlab\.example\.com refused deckhand's token/);
  });
});
