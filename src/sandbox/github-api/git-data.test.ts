/**
 * The sandbox GitHub's Git data, repository and contents API driven by octokit: refs with GitHub's
 * refusals, one commit of several files through trees, reads back through trees, blobs and the
 * contents API, and auth / unknown repository errors in GitHub's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../gitrepo/git.ts';
import { R, REPO_URL, branchWith, missingFields, SLOW, start, type Fixture } from './testing.ts';

let f: Fixture;
beforeAll(async () => {
  f = await start();
});
afterAll(async () => f.cleanup());

const status = async (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: { status?: number; response?: { data?: { message?: string } } }) =>
      `${e.status} ${e.response?.data?.message}`,
  );

describe('auth and repositories', SLOW, () => {
  it('refuses a missing or wrong token with 401 Bad credentials', async () => {
    for (const authorization of ['token nope', 'Bearer nope', '']) {
      const res = await fetch(`${f.url}/repos/acme/infra`, {
        headers: authorization ? { authorization } : {},
      });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { message: string; documentation_url: string };
      expect(body.message).toBe('Bad credentials');
      expect(body.documentation_url).toMatch(/^https:\/\/docs\.github\.com\//);
    }
    const ok = await fetch(`${f.url}/repos/acme/infra`, {
      headers: { authorization: 'Bearer ghp_sandbox_token' },
    });
    expect(ok.status).toBe(200);
  });

  it('answers 404 Not Found for an unknown repository or path', async () => {
    expect(await status(f.octokit.repos.get({ owner: 'acme', repo: 'nope' }))).toBe('404 Not Found');
    expect(await status(f.octokit.git.getRef({ owner: 'other', repo: 'infra', ref: 'heads/main' }))).toBe(
      '404 Not Found',
    );
    expect(await status(f.octokit.request('GET /repos/acme/infra/nothing-here'))).toBe('404 Not Found');
  });

  it('describes the repository with its default branch, case-insensitively', async () => {
    const { data } = await f.octokit.repos.get({ owner: 'ACME', repo: 'Infra' });
    expect(data.full_name).toBe('acme/infra');
    expect(data.default_branch).toBe('main');
    expect(data.html_url).toBe('https://github.com/acme/infra');
    expect(data.url).toBe(`${f.url}/repos/acme/infra`);
    expect(missingFields('full-repository', data)).toEqual([]);
  });
});

/** The change the first test below commits by hand; other tests put it on a branch of their own. */
const SCALE = {
  'apps/web/deployment.yaml': 'replicas: 3\n',
  'apps/web/hpa.yaml': 'kind: HorizontalPodAutoscaler\n',
  'README.md': null,
};

describe('refs, commits and trees', SLOW, () => {
  it('makes one commit with two files on a new branch, as GitHubHost does', async () => {
    const main = await f.octokit.git.getRef({ ...R, ref: 'heads/main' });
    expect(main.data.ref).toBe('refs/heads/main');
    expect(missingFields('git-ref', main.data)).toEqual([]);
    const base = await f.octokit.git.getCommit({ ...R, commit_sha: main.data.object.sha });
    expect(missingFields('git-commit', base.data)).toEqual([]);
    const tree = await f.octokit.git.createTree({
      ...R,
      base_tree: base.data.tree.sha,
      tree: [
        { path: 'apps/web/deployment.yaml', mode: '100644', type: 'blob', content: 'replicas: 3\n' },
        {
          path: 'apps/web/hpa.yaml',
          mode: '100644',
          type: 'blob',
          content: 'kind: HorizontalPodAutoscaler\n',
        },
        { path: 'README.md', mode: '100644', type: 'blob', sha: null },
      ],
    });
    expect(tree.status).toBe(201);
    expect(tree.data.tree.map((e) => e.path)).toEqual(['apps']);
    const commit = await f.octokit.git.createCommit({
      ...R,
      message: 'scale web',
      tree: tree.data.sha,
      parents: [base.data.sha],
    });
    expect(commit.status).toBe(201);
    expect(commit.data.author.name).toBe('deckhand-bot');
    expect(commit.data.parents.map((p) => p.sha)).toEqual([base.data.sha]);
    const created = await f.octokit.git.createRef({
      ...R,
      ref: 'refs/heads/feature/scale',
      sha: commit.data.sha,
    });
    expect(created.status).toBe(201);
    expect(f.moves.at(-1)).toEqual({
      url: REPO_URL,
      branch: 'feature/scale',
      from: undefined,
      to: commit.data.sha,
    });
    expect(
      await status(f.octokit.git.createRef({ ...R, ref: 'refs/heads/feature/scale', sha: base.data.sha })),
    ).toBe('422 Reference already exists');
    // The commit really is in the bare repository, with exactly those changes.
    const files = await f.repos.files(REPO_URL, 'feature/scale');
    expect([...files.keys()].sort()).toEqual([
      'apps/web/deployment.yaml',
      'apps/web/hpa.yaml',
      'apps/web/service.yaml',
    ]);
    expect(files.get('apps/web/deployment.yaml')).toBe('replicas: 3\n');
  });

  it('reads a recursive tree and base64 blobs', async () => {
    // Its own branch with that change: feature/scale exists only once the first test has run.
    await branchWith(f, 'feature/read', SCALE, 'main', 'scale web');
    const { data } = await f.octokit.git.getTree({ ...R, tree_sha: 'feature/read', recursive: 'true' });
    expect(missingFields('git-tree', data)).toEqual([]);
    const paths = Object.fromEntries(data.tree.map((e) => [e.path, e.type]));
    expect(paths).toEqual({
      apps: 'tree',
      'apps/web': 'tree',
      'apps/web/deployment.yaml': 'blob',
      'apps/web/hpa.yaml': 'blob',
      'apps/web/service.yaml': 'blob',
    });
    const hpa = data.tree.find((e) => e.path === 'apps/web/hpa.yaml');
    const blob = await f.octokit.git.getBlob({ ...R, file_sha: hpa?.sha as string });
    expect(blob.data.encoding).toBe('base64');
    expect(Buffer.from(blob.data.content, 'base64').toString()).toBe('kind: HorizontalPodAutoscaler\n');
    expect(blob.data.size).toBe(30);
    const flat = await f.octokit.git.getTree({ ...R, tree_sha: 'feature/read' });
    expect(flat.data.tree.map((e) => e.path)).toEqual(['apps']);
  });

  it('refuses to delete a file that is not there', async () => {
    const main = await f.octokit.git.getRef({ ...R, ref: 'heads/main' });
    const base = await f.octokit.git.getCommit({ ...R, commit_sha: main.data.object.sha });
    const res = await status(
      f.octokit.git.createTree({
        ...R,
        base_tree: base.data.tree.sha,
        tree: [{ path: 'nope.yaml', mode: '100644', type: 'blob', sha: null }],
      }),
    );
    expect(res).toMatch(/^422 /);
  });

  it('moves a branch only forward unless forced, through moveBranch', async () => {
    // Its own branch a commit ahead of main (moving it back to main is then not a fast forward).
    await branchWith(f, 'feature/move', SCALE, 'main', 'scale web');
    const head = (await f.octokit.git.getRef({ ...R, ref: 'heads/feature/move' })).data.object.sha;
    const main = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    const commit = await f.octokit.git.createCommit({
      ...R,
      message: 'more',
      tree: (await f.octokit.git.getCommit({ ...R, commit_sha: head })).data.tree.sha,
      parents: [head],
    });
    const ff = await f.octokit.git.updateRef({ ...R, ref: 'heads/feature/move', sha: commit.data.sha });
    expect(ff.data.object.sha).toBe(commit.data.sha);
    expect(f.moves.at(-1)).toMatchObject({ branch: 'feature/move', from: head, to: commit.data.sha });
    expect(await status(f.octokit.git.updateRef({ ...R, ref: 'heads/feature/move', sha: main }))).toBe(
      '422 Update is not a fast forward',
    );
    await f.octokit.git.updateRef({ ...R, ref: 'heads/feature/move', sha: main, force: true });
    expect((await f.octokit.git.getRef({ ...R, ref: 'heads/feature/move' })).data.object.sha).toBe(main);
    expect(f.moves.at(-1)).toMatchObject({ branch: 'feature/move', from: commit.data.sha, to: main });
    expect(await status(f.octokit.git.updateRef({ ...R, ref: 'heads/missing', sha: main }))).toBe(
      '422 Reference does not exist',
    );
  });

  it('deletes a branch (204) and then no longer finds it', async () => {
    const main = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    await f.octokit.git.createRef({ ...R, ref: 'refs/heads/tmp', sha: main });
    expect((await f.octokit.git.deleteRef({ ...R, ref: 'heads/tmp' })).status).toBe(204);
    expect(await status(f.octokit.git.getRef({ ...R, ref: 'heads/tmp' }))).toBe('404 Not Found');
    expect(await status(f.octokit.git.deleteRef({ ...R, ref: 'heads/main' }))).toMatch(/^422 /);
    expect(await git(f.repos.all()[0]?.git.dir as string, ['rev-parse', 'main'])).toMatch(main);
  });
});

describe('contents, branches and commits', SLOW, () => {
  it('returns a file base64-encoded, a directory as a listing, and raw on request', async () => {
    const file = await f.octokit.repos.getContent({ ...R, path: 'apps/web/service.yaml' });
    expect(Array.isArray(file.data)).toBe(false);
    const d = file.data as { type: string; content: string; encoding: string; path: string };
    expect(missingFields('content-file', d)).toEqual([]);
    expect(d).toMatchObject({ type: 'file', encoding: 'base64', path: 'apps/web/service.yaml' });
    expect(Buffer.from(d.content, 'base64').toString()).toContain('kind: Service');
    // A ref of its own, at main: not a branch that other tests create or move.
    const main = (await f.octokit.git.getRef({ ...R, ref: 'heads/main' })).data.object.sha;
    await f.octokit.git.createRef({ ...R, ref: 'refs/heads/feature/contents', sha: main });
    const dir = await f.octokit.repos.getContent({ ...R, path: 'apps/web', ref: 'feature/contents' });
    expect((dir.data as { name: string; type: string }[]).map((e) => `${e.type}:${e.name}`)).toEqual([
      'file:deployment.yaml',
      'file:service.yaml',
    ]);
    const root = await f.octokit.repos.getContent({ ...R, path: '' });
    expect((root.data as { name: string }[]).map((e) => e.name).sort()).toEqual(['README.md', 'apps']);
    const raw = await f.octokit.repos.getContent({ ...R, path: 'README.md', mediaType: { format: 'raw' } });
    expect(raw.data as unknown as string).toBe('# infra\n');
    expect(await status(f.octokit.repos.getContent({ ...R, path: 'apps/nope.yaml' }))).toBe('404 Not Found');
  });

  it('reads a branch and a commit with its files', async () => {
    const b = await f.octokit.repos.getBranch({ ...R, branch: 'main' });
    expect(b.data.name).toBe('main');
    expect(b.data.protected).toBe(false);
    expect(await status(f.octokit.repos.getBranch({ ...R, branch: 'nope' }))).toBe('404 Branch not found');
    const c = await f.octokit.repos.getCommit({ ...R, ref: b.data.commit.sha });
    expect(c.data.files?.map((x) => `${x.status} ${x.filename}`).sort()).toEqual([
      'added README.md',
      'added apps/web/service.yaml',
      'modified apps/web/deployment.yaml',
    ]);
  });
});
