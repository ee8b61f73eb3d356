/**
 * The issue side of pull requests: comments and labels. Pull requests are issues on GitHub, so
 * these routes take the pull request's number; the sandbox has no plain issues.
 */
import { announce } from './routes-hooks.ts';
import {
  body,
  GitHubError,
  invalid,
  notFound,
  num,
  route,
  type Ctx,
  type RepoCtx,
  type Route,
} from './api.ts';
import { paginate } from './paging.ts';
import { label } from './shapes.ts';
import { comment } from './shapes-pulls.ts';
import type { CommentRecord, LabelRecord, PullRecord } from './state.ts';

export function issue(c: Ctx, n: string | undefined): PullRecord {
  const number = num(n);
  const p = c.state.pulls.find((x) => x.number === number);
  if (!p) throw notFound();
  return p;
}

/** Labels by name, created in the repository on first use (GitHub's grey default colour). */
function ensureLabels(c: Ctx, names: string[]): LabelRecord[] {
  return names.map((name) => {
    let l = c.state.labels.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!l) {
      l = { id: c.store.nextId(), name, color: 'ededed', description: null };
      c.state.labels.push(l);
    }
    return l;
  });
}

export const labelsOf = (c: RepoCtx, p: PullRecord): LabelRecord[] =>
  p.labels.flatMap((n) => c.state.labels.filter((l) => l.name === n));

/** `{labels: [...]}`, or a bare array; entries are names or `{name}` objects. */
async function labelNames(c: Ctx): Promise<string[]> {
  const b = (await body<{ labels: unknown[] }>(c)) as { labels?: unknown[] } | unknown[];
  const list = Array.isArray(b) ? b : b.labels;
  if (!Array.isArray(list)) throw invalid({ resource: 'Label', field: 'labels', code: 'missing_field' });
  return list.map((x) => {
    const name = typeof x === 'string' ? x : (x as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || !name.trim())
      throw invalid({ resource: 'Label', field: 'name', code: 'invalid' });
    return name.trim();
  });
}

function setLabels(c: Ctx, p: PullRecord, names: string[]): void {
  const labels = ensureLabels(c, names);
  p.labels = [...new Set(labels.map((l) => l.name))];
  p.updatedAt = c.now();
  c.store.save();
  c.send(
    200,
    labelsOf(c, p).map((l) => label(l, c.links)),
  );
}

export const issueRoutes: Route[] = [
  route('POST', '/issues/:n/comments', async (c, p) => {
    const pr = issue(c, p.n);
    const b = await body<{ body: string }>(c);
    if (typeof b.body !== 'string' || !b.body)
      throw invalid({ resource: 'IssueComment', field: 'body', code: 'missing_field' });
    const rec: CommentRecord = {
      id: c.store.nextId(),
      issue: pr.number,
      body: b.body,
      user: c.login,
      createdAt: c.now(),
      updatedAt: c.now(),
    };
    c.state.comments.push(rec);
    pr.updatedAt = rec.createdAt;
    c.store.save();
    c.send(201, comment(rec, c.links));
    announce(c, 'issue_comment', async () => ({
      action: 'created',
      issue: {
        number: pr.number,
        title: pr.title,
        state: pr.state,
        ...(pr.head ? { pull_request: { url: `${c.links.repoApi}/pulls/${pr.number}` } } : {}),
      },
      comment: comment(rec, c.links),
    }));
  }),
  route('GET', '/issues/:n/comments', async (c, p) => {
    const pr = issue(c, p.n);
    const all = c.state.comments.filter((x) => x.issue === pr.number);
    const page = paginate(all, c.url, c.links.api);
    c.send(
      200,
      page.items.map((x) => comment(x, c.links)),
      page.headers,
    );
  }),
  route('GET', '/issues/:n/labels', async (c, p) => {
    const page = paginate(labelsOf(c, issue(c, p.n)), c.url, c.links.api);
    c.send(
      200,
      page.items.map((l) => label(l, c.links)),
      page.headers,
    );
  }),
  route('POST', '/issues/:n/labels', async (c, p) => {
    const pr = issue(c, p.n);
    setLabels(c, pr, [...pr.labels, ...(await labelNames(c))]);
  }),
  route('PUT', '/issues/:n/labels', async (c, p) => {
    const pr = issue(c, p.n);
    setLabels(c, pr, await labelNames(c));
  }),
  route('DELETE', '/issues/:n/labels/:name', async (c, p) => {
    const pr = issue(c, p.n);
    const name = (p.name as string).toLowerCase();
    if (!pr.labels.some((l) => l.toLowerCase() === name)) throw new GitHubError(404, 'Label does not exist');
    setLabels(
      c,
      pr,
      pr.labels.filter((l) => l.toLowerCase() !== name),
    );
  }),
];
