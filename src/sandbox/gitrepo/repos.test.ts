import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitRepos, parseRepoURL, type BranchMoved } from './repos.ts';

const URL_ = 'https://github.com/acme/infra';
let dir: string;
let repos: GitRepos;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deckhand-git-'));
  repos = new GitRepos(dir);
  await repos.seed([
    {
      url: URL_,
      branch: 'main',
      files: { 'apps/web/deployment.yaml': 'replicas: 2\n', 'README.md': 'infra\n' },
      history: [
        {
          message: 'first',
          author: 'Ann <ann@acme.dev>',
          date: '2026-01-01T10:00:00Z',
          files: { 'apps/web/deployment.yaml': 'replicas: 1\n' },
        },
        {
          message: 'second',
          author: 'Bo <bo@acme.dev>',
          date: '2026-01-02T10:00:00Z',
          files: { 'apps/web/deployment.yaml': 'replicas: 2\n', 'README.md': 'infra\n' },
        },
      ],
    },
  ]);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sandbox git repositories', () => {
  it('seeds the history as real commits, the last one being the head when it matches the files', async () => {
    const repo = repos.get(URL_)!;
    const head = await repos.resolve(URL_, 'HEAD');
    const c = await repo.git.commit(head!);
    expect(c?.message.trim()).toBe('second');
    expect(c?.author).toMatchObject({ name: 'Bo', email: 'bo@acme.dev' });
    expect(await repos.metadata(URL_, 'HEAD~1')).toMatchObject({
      author: 'Ann <ann@acme.dev>',
      message: 'first',
    });
    expect(Object.fromEntries(await repos.files(URL_, 'HEAD~1'))).toEqual({
      'apps/web/deployment.yaml': 'replicas: 1\n',
    });
  });

  it('resolves many expressions in one go, leaving unknown ones out', async () => {
    const found = await repos.resolveMany(URL_, ['HEAD', 'HEAD~1', 'main', 'nope', 'HEAD~9']);
    expect([...found.keys()].sort()).toEqual(['HEAD', 'HEAD~1', 'main']);
    expect(found.get('HEAD')).toBe(found.get('main'));
  });

  it('writes trees that add, change and delete files, and diffs them from the first hunk', async () => {
    const repo = repos.get(URL_)!;
    const head = (await repo.git.resolve('main'))!;
    const blob = await repo.git.writeBlob('replicas: 3\n');
    const added = await repo.git.writeBlob('new\n');
    const tree = await repo.git.writeTree(head, [
      { path: 'apps/web/deployment.yaml', sha: blob },
      { path: 'README.md', sha: null },
      { path: 'apps/api/kustomization.yaml', sha: added },
    ]);
    const commit = await repo.git.commitTree(tree, [head], 'change', {
      name: 'x',
      email: 'x@y',
      date: '2026-01-03T00:00:00Z',
    });
    const files = Object.fromEntries((await repo.git.diff(head, commit)).map((f) => [f.path, f]));
    expect(files['README.md']).toMatchObject({ status: 'D' });
    expect(files['README.md']!.patch.startsWith('@@')).toBe(true);
    expect(files['apps/api/kustomization.yaml']!.patch).toBe('@@ -0,0 +1 @@\n+new\n');
    expect(files['apps/web/deployment.yaml']!.patch).toContain('-replicas: 2\n+replicas: 3');
  });

  it('moves a branch only from the expected commit, and announces the move', async () => {
    const repo = repos.get(URL_)!;
    const head = (await repo.git.resolve('main'))!;
    const prev = (await repo.git.resolve('main~1'))!;
    const moves: BranchMoved[] = [];
    repos.on('branch-moved', (e: BranchMoved) => moves.push(e));
    expect(await repo.moveBranch('main', prev, prev)).toBe(false);
    expect(await repo.moveBranch('main', prev, head)).toBe(true);
    expect(moves).toEqual([{ url: URL_, branch: 'main', from: head, to: prev }]);
  });

  it('notices a git push from a clone (the real git client), once, and not its own moves', async () => {
    const repo = repos.get(URL_)!;
    const moves: BranchMoved[] = [];
    repos.on('branch-moved', (e: BranchMoved) => moves.push(e));
    expect(await repo.notice()).toEqual([]); // the first look takes note
    const work = join(dir, 'clone');
    const run = (args: string[], cwd = work) =>
      execFileSync('git', args, {
        cwd,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Ann',
          GIT_AUTHOR_EMAIL: 'ann@acme.dev',
          GIT_COMMITTER_NAME: 'Ann',
          GIT_COMMITTER_EMAIL: 'ann@acme.dev',
        },
      }).toString();
    run(['clone', '-q', repo.git.dir, work], dir);
    writeFileSync(join(work, 'apps/web/deployment.yaml'), 'replicas: 4\n');
    run(['commit', '-qam', 'scale web by hand']);
    run(['push', '-q', 'origin', 'main']);
    run(['push', '-q', 'origin', 'main:feature']);
    const pushed = run(['rev-parse', 'HEAD']).trim();
    const head = (await repo.git.resolve('main~1'))!;
    expect(await repo.notice()).toEqual(
      [
        { url: URL_, branch: 'feature', to: pushed },
        { url: URL_, branch: 'main', from: head, to: pushed },
      ].sort((a, b) => a.branch.localeCompare(b.branch)),
    );
    expect(await repo.notice()).toEqual([]);
    // A move deckhand's sandbox made itself was announced then, not again.
    expect(await repo.moveBranch('main', head, pushed)).toBe(true);
    expect(await repo.notice()).toEqual([]);
    expect(moves.map((m) => m.branch)).toEqual(['feature', 'main', 'main']);
  });

  it('parses repository URLs in https, ssh and scp forms', () => {
    // Argo CD's own e2e suites use a bare IP:port repository (argocd-image-updater test/e2e).
    expect(parseRepoURL('http://10.42.0.1:30002/testdata.git')).toEqual({
      host: '10.42.0.1',
      owner: '10.42.0.1',
      name: 'testdata',
    });
    expect(parseRepoURL('https://github.com/acme/infra.git')).toEqual({
      host: 'github.com',
      owner: 'acme',
      name: 'infra',
    });
    expect(parseRepoURL('git@github.com:acme/infra.git')).toEqual({
      host: 'github.com',
      owner: 'acme',
      name: 'infra',
    });
    expect(parseRepoURL('ssh://git@gitlab.example.com:2222/group/sub/repo')).toEqual({
      host: 'gitlab.example.com',
      owner: 'group',
      name: 'sub/repo',
    });
    expect(parseRepoURL('not a url')).toBeUndefined();
  });
});
