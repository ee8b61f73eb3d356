/**
 * Diagnosis as a service: collect the app's state, run the rules, turn the root cause's fix into
 * a change that is planned against the repository before it is offered, and render the result.
 * `/diagnose`, incident threads, digests and remediation all come through here.
 */
import type { ActionRequest } from '../../core/actions.ts';
import type { Clock } from '../../core/clock.ts';
import { DeckError, UpstreamError } from '../../core/errors.ts';
import type { Message } from '../../core/message/model.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { Intent } from '../gitops-pr/index.ts';
import type { AppCollector, AppSnapshot } from '../k8s/index.ts';
import { diagnose } from './engine/index.ts';
import type { Diagnosis, Finding, Fix } from './engine/types.ts';
import { intentOf } from './fixes.ts';
import { diagnosisMessage, type FixPreview } from './report.ts';

export const FIX_ACTION = 'diagnose.fix';

export interface Explanation {
  text: string;
  /** The finding whose fix the explainer recommends (an index into `findings`), if any. */
  chosen?: number;
}

export interface Explainer {
  /** A short explanation of the findings (an LLM, when configured); undefined when it has nothing. */
  explain(d: Diagnosis, signal?: AbortSignal): Promise<Explanation | undefined>;
}

/**
 * What the GitOps plugin lends diagnosis: fixes planned against the repository. The signal fires
 * when the diagnosis stops waiting; Git requests stop with it.
 */
export interface FixPlanner {
  preview(r: ResolvedApp, intent: Intent, signal?: AbortSignal): Promise<FixPreview>;
  breakingCommit(
    r: ResolvedApp,
    window: { upTo: string; after?: string; before?: string },
    signal?: AbortSignal,
  ): Promise<{ sha: string; message: string } | undefined>;
}

/** A fix that could be offered: the change, and what it would edit. */
export interface PlannedFix {
  intent?: Intent;
  preview?: FixPreview;
  /** Why the fix the rules named is not offered. */
  withheld?: string;
}

/** The Git host gets this long for planning a fix; past it the diagnosis goes out without one. */
const GIT_BUDGET_MS = 5_000;

/**
 * The work `start` begins, given `ms`: past it (or when `outer` fires) the answer is a timeout
 * and the work's signal fires, so its requests stop instead of running on unseen.
 */
async function within<T>(
  start: (signal: AbortSignal) => Promise<T>,
  ms: number,
  outer?: AbortSignal,
): Promise<T> {
  const stop = new AbortController();
  const late = new UpstreamError('git', 'timeout', `the Git host did not answer within ${ms / 1000} s`);
  const timer = setTimeout(() => stop.abort(late), ms);
  const quit = () => stop.abort(late);
  outer?.addEventListener('abort', quit, { once: true });
  try {
    const stopped = new Promise<never>((_, reject) =>
      stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true }),
    );
    return await Promise.race([start(stop.signal), stopped]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', quit);
    // Whatever is still running has no one waiting for it.
    stop.abort(late);
  }
}

export class DiagnosisService {
  private readonly collector: AppCollector;
  private readonly clock: Clock;
  private readonly explainer?: Explainer;
  private readonly planner?: FixPlanner;

  private readonly gitBudgetMs: number;

  constructor(deps: {
    collector: AppCollector;
    clock: Clock;
    explainer?: Explainer;
    planner?: FixPlanner;
    gitBudgetMs?: number;
  }) {
    this.collector = deps.collector;
    this.clock = deps.clock;
    this.explainer = deps.explainer;
    this.planner = deps.planner;
    this.gitBudgetMs = deps.gitBudgetMs ?? GIT_BUDGET_MS;
  }

  async run(r: ResolvedApp, signal?: AbortSignal): Promise<{ diagnosis: Diagnosis; snapshot: AppSnapshot }> {
    const snapshot = await this.collector.collect(r, signal);
    return { diagnosis: diagnose(snapshot, { now: this.clock.now() }), snapshot };
  }

  /**
   * The fix a finding names, as a change: a revert is pointed at the newest commit on the app's
   * own files in the failure's window (none, no revert); every change is planned against the
   * repository and refused if it would edit anything outside the app. Git trouble withholds the
   * fix and is added to what the diagnosis could not see.
   */
  async plan(r: ResolvedApp, fix: Fix | undefined, d: Diagnosis, signal?: AbortSignal): Promise<PlannedFix> {
    if (!fix) return {};
    const planner = this.planner;
    if (!planner) return { withheld: 'no Git host is configured for changes' };
    try {
      return await within((stop) => this.planWith(planner, r, fix, stop), this.gitBudgetMs, signal);
    } catch (e) {
      if (e instanceof UpstreamError) {
        d.incomplete.push(`git: ${e.message}`);
        return { withheld: `the Git host could not be read (${e.message})` };
      }
      if (e instanceof DeckError) return { withheld: e.message };
      throw e;
    }
  }

  private async planWith(
    planner: FixPlanner,
    r: ResolvedApp,
    fix: Fix,
    signal: AbortSignal,
  ): Promise<PlannedFix> {
    let intent = intentOf(fix, this.clock.now());
    if (fix.intent === 'revert' && !intent) {
      const p = fix.params as { upTo?: string; after?: string; before?: string };
      if (!p.upTo) return { withheld: 'no deployed revision to go back from' };
      const commit = await planner.breakingCommit(
        r,
        {
          upTo: p.upTo,
          ...(p.after ? { after: p.after } : {}),
          ...(p.before ? { before: p.before } : {}),
        },
        signal,
      );
      if (!commit)
        return {
          withheld: `no commit on ${r.ref}'s own files ${p.after ? `between ${p.after.slice(0, 7)} and ${p.upTo.slice(0, 7)}` : `up to ${p.upTo.slice(0, 7)}`}, so there is nothing of this app's to revert`,
        };
      intent = { kind: 'revert', commit: commit.sha };
    }
    if (!intent) return { withheld: 'the fix lacks what its change needs' };
    return { intent, preview: await planner.preview(r, intent, signal) };
  }

  /**
   * The full reply. `button` creates the fix button where the caller may offer it (a command turn,
   * or the bot itself in an incident thread); without it the fix is described, not offered.
   */
  async report(
    r: ResolvedApp,
    opts: { signal?: AbortSignal; button?: (req: ActionRequest) => Promise<string> } = {},
  ): Promise<Message> {
    const { diagnosis, snapshot } = await this.run(r, opts.signal);
    const explained = this.explainer
      ? await this.explainer.explain(diagnosis, opts.signal).catch(() => undefined)
      : undefined;
    // The explainer may pick another finding's fix; the rules' root cause is the default.
    const picked = explained?.chosen !== undefined ? diagnosis.findings[explained.chosen] : undefined;
    const fixing: Finding | undefined = picked?.fix ? picked : diagnosis.rootCause;
    const planned = await this.plan(r, fixing?.fix, diagnosis, opts.signal);
    // A button lives in the store: when the store is down, the diagnosis is still worth reading,
    // and the fix is described with why it cannot be pressed now.
    const fixButton =
      planned.intent && opts.button
        ? await opts
            .button({
              kind: FIX_ACTION,
              params: {
                app: r.ref,
                instance: r.instance,
                intent: planned.intent,
                reason: `${fixing?.category}: ${fixing?.summary}`,
              },
              scope: { app: r.app.metadata.name, project: r.app.spec.project },
            })
            .catch((e: unknown) => {
              if (!(e instanceof UpstreamError && e.backend === 'store')) throw e;
              planned.withheld = `the fix cannot be offered as a button now: ${e.message}`;
              return undefined;
            })
        : undefined;
    const explanation = explained ? `_${explained.text}_` : undefined;
    // The fix as planned: a revert names its commit now.
    const plannedFinding =
      planned.intent?.kind === 'revert' && fixing
        ? { ...fixing, fix: { intent: 'revert' as const, params: { commit: planned.intent.commit } } }
        : fixing;
    const m = diagnosisMessage(r.ref, diagnosis, {
      fixButton,
      explanation,
      fixFrom: plannedFinding,
      ...(planned.preview ? { fixPreview: planned.preview } : {}),
      ...(planned.withheld ? { fixWithheld: planned.withheld } : {}),
    });
    return {
      ...m,
      data: {
        ...m.data,
        ...(explained ? { explanation: explained } : {}),
        ...(planned.intent ? { fix: { intent: planned.intent, preview: planned.preview } } : {}),
        ...(planned.withheld ? { fixWithheld: planned.withheld } : {}),
        collection: { requests: snapshot.requests, gaps: snapshot.gaps },
      },
    };
  }
}
