/**
 * Pagination as GitHub does it (per_page, page, Link rel="next"/"last"/"prev"/"first"), checked
 * with 35 pull requests by hand and through octokit.paginate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paginate } from './paging.ts';
import { R, SLOW, start, type Fixture } from './testing.ts';

let f: Fixture;
beforeAll(async () => {
  f = await start();
  const repo = f.repos.all()[0];
  if (!repo) throw new Error('no repository seeded');
  const main = (await repo.git.branches()).get('main') as string;
  const base = (await repo.git.commit(main))?.tree as string;
  const who = { name: 'Dev', email: 'dev@example.com', date: '2026-02-01T00:00:00Z' };
  // Branches straight through git plumbing: the API's own branch making is tested elsewhere.
  const make = async (i: number) => {
    const blob = await repo.git.writeBlob(`change ${i}\n`);
    const tree = await repo.git.writeTree(base, [{ path: `changes/${i}.txt`, sha: blob }]);
    const sha = await repo.git.commitTree(tree, [main], `change ${i}`, who);
    await repo.moveBranch(`change-${i}`, sha);
  };
  await Promise.all(Array.from({ length: 35 }, (_, i) => make(i + 1)));
  // Five requests in flight at a time; numbers are handed out in arrival order, 1 to 35.
  for (let i = 1; i <= 35; i += 5) {
    await Promise.all(
      [0, 1, 2, 3, 4].map((k) =>
        f.octokit.pulls.create({ ...R, head: `change-${i + k}`, base: 'main', title: `change ${i + k}` }),
      ),
    );
  }
}, 120_000);
afterAll(async () => f.cleanup());

const links = (header: string | undefined) =>
  Object.fromEntries(
    (header ?? '')
      .split(', ')
      .filter(Boolean)
      .map((l) => {
        const m = /^<([^>]+)>; rel="(\w+)"$/.exec(l);
        return [m?.[2], new URL(m?.[1] ?? 'http://x').searchParams.get('page')];
      }),
  );

describe('pull request pages', SLOW, () => {
  it('serves 35 pull requests ten at a time with Link headers', async () => {
    const first = await f.octokit.pulls.list({ ...R, per_page: 10 });
    expect(first.data.map((p) => p.number)).toEqual([35, 34, 33, 32, 31, 30, 29, 28, 27, 26]);
    expect(links(first.headers.link)).toEqual({ next: '2', last: '4' });
    expect(first.headers.link).toContain(`<${f.url}/repos/acme/infra/pulls?per_page=10&page=2>; rel="next"`);
    const third = await f.octokit.pulls.list({ ...R, per_page: 10, page: 3 });
    expect(links(third.headers.link)).toEqual({ prev: '2', next: '4', last: '4', first: '1' });
    const last = await f.octokit.pulls.list({ ...R, per_page: 10, page: 4 });
    expect(last.data.map((p) => p.number)).toEqual([5, 4, 3, 2, 1]);
    expect(links(last.headers.link)).toEqual({ prev: '3', first: '1' });
    expect((await f.octokit.pulls.list({ ...R, per_page: 10, page: 5 })).data).toEqual([]);
  });

  it('lets octokit.paginate collect every page', async () => {
    const all = await f.octokit.paginate(f.octokit.pulls.list, { ...R, per_page: 10, state: 'all' });
    expect(all).toHaveLength(35);
    expect(new Set(all.map((p) => p.number)).size).toBe(35);
  });

  it('defaults to 30 per page and caps per_page at 100', async () => {
    const page = paginate(
      Array.from({ length: 250 }, (_, i) => i),
      new URL('http://h/x?per_page=500'),
      'http://h',
    );
    expect(page.items).toHaveLength(100);
    expect(page.headers.link).toContain('rel="last"');
    expect(page.headers.link).toContain('page=3');
    const def = await f.octokit.pulls.list({ ...R });
    expect(def.data).toHaveLength(30);
  });
});
