/**
 * The sandbox's CI and what a push tells a repository's hooks, for pushes from anywhere (the API,
 * a merge, `git push`): every branch that moves gets the configured check runs on its new head,
 * queued, then in progress, then completed with the conclusion set for the check, as a CI app
 * (GitHub Actions `on: push`) reports them; each change is delivered as a `check_run` event. An
 * open pull request whose head branch moved gets `pull_request` `synchronize`.
 *
 * A run can be asked for again (POST /check-runs/{id}/rerequest, as GitHub's "Re-run" does for
 * the app that made it), and the conclusion of later runs changed (the control API's /ci), so a
 * failing check can be made to pass.
 */
import type { BranchMoved, GitRepos, SandboxRepo } from '../gitrepo/repos.ts';
import { GitHubError, notFound, num, route, type RepoCtx, type Route } from './api.ts';
import { announce } from './routes-hooks.ts';
import { full } from './routes-pulls.ts';
import { checkRun } from './shapes-git.ts';
import type { CheckRunRecord } from './state.ts';

export interface CiCheck {
  name: string;
  /** From the push to the run's end (it is in progress from half way). */
  delayMs: number;
  conclusion: 'success' | 'failure';
}

const MADE_BY = 'deckhand-sandbox-ci';

/** The login CI acts as, in payloads' `sender`. */
const CI_LOGIN = 'github-actions[bot]';

export class SandboxCi {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly checks: Map<string, CiCheck[]>;
  private readonly contextOf: (repo: SandboxRepo, login: string) => RepoCtx | undefined;
  private readonly listener: (e: BranchMoved) => void;
  private readonly repos: GitRepos;

  constructor(
    repos: GitRepos,
    /** Check runs per repository URL. */
    checks: Map<string, CiCheck[]>,
    contextOf: (repo: SandboxRepo, login: string) => RepoCtx | undefined,
  ) {
    this.repos = repos;
    this.checks = checks;
    this.contextOf = contextOf;
    this.listener = (e) => this.pushed(e);
    repos.on('branch-moved', this.listener);
  }

  /** The conclusion of later runs of a check (`repoURL` absent: in every repository). */
  setConclusion(check: string, conclusion: CiCheck['conclusion'], repoURL?: string): number {
    let n = 0;
    for (const [url, list] of this.checks)
      if (!repoURL || url === this.repos.get(repoURL)?.url)
        for (const c of list)
          if (c.name === check) {
            c.conclusion = conclusion;
            n++;
          }
    return n;
  }

  close(): void {
    this.repos.off('branch-moved', this.listener);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private pushed(e: BranchMoved): void {
    const repo = this.repos.get(e.url);
    const ci = repo && this.contextOf(repo, CI_LOGIN);
    if (!repo || !ci) return;
    for (const check of this.checks.get(repo.url) ?? []) this.run(ci, check, e.to, e.branch);
    // The pusher is not known for a `git push`; the repository's owner stands for them.
    const owner = this.contextOf(repo, repo.path.owner);
    for (const pr of owner?.state.pulls ?? [])
      if (owner && pr.state === 'open' && pr.head === e.branch && e.from && e.from !== e.to) {
        announce(owner, 'pull_request', async () => ({
          action: 'synchronize',
          number: pr.number,
          before: e.from,
          after: e.to,
          pull_request: await full(owner, pr),
        }));
      }
  }

  /** A run of `check` at `sha`: queued now, in progress at half its delay, completed at its end. */
  run(c: RepoCtx, check: CiCheck, sha: string, branch?: string): CheckRunRecord {
    const rec: CheckRunRecord = {
      id: c.store.nextId(),
      headSha: sha,
      name: check.name,
      status: 'queued',
      conclusion: null,
      startedAt: null,
      completedAt: null,
      detailsUrl: null,
      // Marks the runs this CI made (kept with the state): only those are run again on request.
      externalId: MADE_BY,
      title: null,
      summary: null,
    };
    rec.detailsUrl = `${c.links.repoWeb}/actions/runs/${rec.id}`;
    c.state.checkRuns.push(rec);
    c.store.save();
    const tell = (action: string) =>
      announce(c, 'check_run', async () => ({
        action,
        check_run: {
          ...checkRun(rec, c.links),
          // The open pull requests whose head is this commit: the branch pushed, or (a re-run) the
          // head they were last seen at.
          pull_requests: c.state.pulls
            .filter((p) => p.state === 'open' && (branch ? p.head === branch : p.headSha === sha))
            .map((p) => ({
              number: p.number,
              head: { ref: p.head, sha },
              base: { ref: p.base, sha: p.baseSha },
            })),
        },
      }));
    tell('created');
    this.later(check.delayMs / 2, () => {
      Object.assign(rec, { status: 'in_progress', startedAt: c.now() });
      c.store.save();
    });
    this.later(check.delayMs, () => {
      Object.assign(rec, {
        status: 'completed',
        conclusion: check.conclusion,
        completedAt: c.now(),
        title: check.conclusion === 'success' ? 'All good' : `${check.name} failed`,
        summary: check.conclusion === 'success' ? 'Passed.' : 'The sandbox CI was set to fail this check.',
      });
      c.store.save();
      tell('completed');
    });
    return rec;
  }

  /** Run one of this CI's runs again, with the check's conclusion as it is now. */
  rerun(c: RepoCtx, id: number): boolean {
    const old = c.state.checkRuns.find((r) => r.id === id);
    const check = old && (this.checks.get(c.repo.url) ?? []).find((x) => x.name === old.name);
    if (!old || !check || old.externalId !== MADE_BY) return false;
    this.run(c, check, old.headSha);
    return true;
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }
}

/** POST /check-runs/{id}/rerequest: 201 when the CI that made the run runs it again. */
export const ciRoutes = (ci: () => SandboxCi | undefined): Route[] => [
  route('POST', '/check-runs/:id/rerequest', async (c, p) => {
    const id = num(p.id);
    if (!c.state.checkRuns.some((r) => r.id === id)) throw notFound();
    if (!ci()?.rerun(c, id))
      throw new GitHubError(403, 'This check run was not made by an app that can re-run it.');
    c.send(201, {});
  }),
];
