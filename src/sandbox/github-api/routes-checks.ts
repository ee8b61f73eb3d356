/**
 * Commit statuses and check runs. Nothing reports CI in the sandbox until someone posts a status
 * (POST /statuses/{sha}, as a CI system would) or a check run, so a fresh commit has no checks and
 * its combined state is "pending" with total_count 0, exactly as GitHub answers.
 */
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
import { announce } from './routes-hooks.ts';
import { commitFor, repoShape } from './routes-repo.ts';
import { checkRun, status } from './shapes-git.ts';
import type { CheckRunRecord, StatusRecord } from './state.ts';

const STATES = new Set(['error', 'failure', 'pending', 'success']);

/** The latest status of each context (newest first) and GitHub's combined state over them. */
export function combined(c: RepoCtx, sha: string): { state: string; latest: StatusRecord[] } {
  const latest = new Map<string, StatusRecord>();
  for (const s of c.state.statuses.filter((x) => x.sha === sha).sort((a, b) => b.id - a.id))
    if (!latest.has(s.context)) latest.set(s.context, s);
  const all = [...latest.values()];
  const state = all.some((s) => s.state === 'error' || s.state === 'failure')
    ? 'failure'
    : all.length === 0 || all.some((s) => s.state === 'pending')
      ? 'pending'
      : 'success';
  return { state, latest: all };
}

/** Latest run per name unless `filter=all`, newest first. */
export function checkRuns(c: RepoCtx, sha: string, all = false): CheckRunRecord[] {
  const runs = c.state.checkRuns.filter((r) => r.headSha === sha).sort((a, b) => b.id - a.id);
  if (all) return runs;
  const seen = new Set<string>();
  return runs.filter((r) => !seen.has(r.name) && seen.add(r.name));
}

const RUN_STATUS = new Set(['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending']);
const CONCLUSIONS = new Set([
  'success',
  'failure',
  'neutral',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'stale',
]);

type RunIn = Partial<{
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  details_url: string;
  external_id: string;
  started_at: string;
  completed_at: string;
  output: { title?: string; summary?: string };
}>;

function applyRun(c: Ctx, run: CheckRunRecord, b: RunIn): void {
  if (b.status !== undefined && !RUN_STATUS.has(b.status))
    throw invalid({ resource: 'CheckRun', field: 'status', code: 'invalid' });
  if (b.conclusion !== undefined && !CONCLUSIONS.has(b.conclusion))
    throw invalid({ resource: 'CheckRun', field: 'conclusion', code: 'invalid' });
  if (b.name) run.name = b.name;
  if (b.details_url !== undefined) run.detailsUrl = b.details_url;
  if (b.external_id !== undefined) run.externalId = b.external_id;
  if (b.output) Object.assign(run, { title: b.output.title ?? null, summary: b.output.summary ?? null });
  // Giving a conclusion completes the run, as on GitHub.
  if (b.conclusion) Object.assign(run, { conclusion: b.conclusion, status: 'completed' });
  else if (b.status) run.status = b.status as CheckRunRecord['status'];
  if (run.status !== 'queued' && !run.startedAt) run.startedAt = b.started_at ?? c.now();
  if (run.status === 'completed') run.completedAt = b.completed_at ?? run.completedAt ?? c.now();
}

export const checkRoutes: Route[] = [
  route('POST', '/statuses/:sha', async (c, p) => {
    const sha = await commitFor(c, p.sha as string);
    const b = await body<{ state: string; target_url: string; description: string; context: string }>(c);
    if (!b.state || !STATES.has(b.state))
      throw invalid({ resource: 'Status', field: 'state', code: 'invalid' });
    const rec: StatusRecord = {
      id: c.store.nextId(),
      sha,
      state: b.state as StatusRecord['state'],
      context: b.context || 'default',
      description: b.description ?? null,
      targetUrl: b.target_url ?? null,
      creator: c.login,
      createdAt: c.now(),
    };
    c.state.statuses.push(rec);
    c.store.save();
    c.send(201, status(rec, c.links));
    // The `status` event: the commit's sha and the status's fields, top level.
    announce(c, 'status', async () => ({
      id: rec.id,
      sha,
      name: c.links.full,
      context: rec.context,
      state: rec.state,
      description: rec.description,
      target_url: rec.targetUrl,
      created_at: rec.createdAt,
      updated_at: rec.createdAt,
    }));
  }),
  route('GET', '/commits/:ref/statuses', async (c, p) => {
    const sha = await commitFor(c, p.ref as string);
    const all = c.state.statuses.filter((s) => s.sha === sha).sort((a, b) => b.id - a.id);
    const page = paginate(all, c.url, c.links.api);
    c.send(
      200,
      page.items.map((s) => status(s, c.links)),
      page.headers,
    );
  }),
  route('GET', '/commits/:ref/status', async (c, p) => {
    const sha = await commitFor(c, p.ref as string);
    const { state, latest } = combined(c, sha);
    const page = paginate(latest, c.url, c.links.api);
    c.send(
      200,
      {
        state,
        statuses: page.items.map((s) => {
          // The combined view lists simple statuses: no creator.
          const { creator: _creator, ...simple } = status(s, c.links);
          return simple;
        }),
        sha,
        total_count: latest.length,
        repository: await repoShape(c),
        commit_url: `${c.links.repoApi}/commits/${sha}`,
        url: `${c.links.repoApi}/commits/${sha}/status`,
      },
      page.headers,
    );
  }),
  route('GET', '/commits/:ref/check-runs', async (c, p) => {
    const sha = await commitFor(c, p.ref as string);
    const q = c.url.searchParams;
    const runs = checkRuns(c, sha, q.get('filter') === 'all').filter(
      (r) =>
        (!q.get('check_name') || r.name === q.get('check_name')) &&
        (!q.get('status') || r.status === q.get('status')),
    );
    const page = paginate(runs, c.url, c.links.api);
    c.send(
      200,
      { total_count: runs.length, check_runs: page.items.map((r) => checkRun(r, c.links)) },
      page.headers,
    );
  }),
  route('POST', '/check-runs', async (c) => {
    const b = await body<RunIn>(c);
    if (!b.name) throw invalid({ resource: 'CheckRun', field: 'name', code: 'missing_field' });
    if (!b.head_sha || !(await c.repo.git.resolve(b.head_sha)))
      throw new GitHubError(422, 'No commit found for SHA: ' + (b.head_sha ?? ''));
    const run: CheckRunRecord = {
      id: c.store.nextId(),
      headSha: (await c.repo.git.resolve(b.head_sha)) as string,
      name: b.name,
      status: 'queued',
      conclusion: null,
      startedAt: null,
      completedAt: null,
      detailsUrl: null,
      externalId: null,
      title: null,
      summary: null,
    };
    applyRun(c, run, b);
    c.state.checkRuns.push(run);
    c.store.save();
    c.send(201, checkRun(run, c.links));
  }),
  route('PATCH', '/check-runs/:id', async (c, p) => {
    const id = num(p.id);
    const run = c.state.checkRuns.find((r) => r.id === id);
    if (!run) throw notFound();
    applyRun(c, run, await body<RunIn>(c));
    c.store.save();
    c.send(200, checkRun(run, c.links));
  }),
];
