/**
 * Diagnosis as a service: collect the app's state, run the rules, and render the result with a
 * fix button that opens the pull request through the GitOps approval flow. `/diagnose`, incident
 * threads, digests and remediation all come through here.
 */
import type { ActionRequest } from '../../core/actions.ts';
import type { Clock } from '../../core/clock.ts';
import type { Message } from '../../core/message/model.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { AppCollector, AppSnapshot } from '../k8s/index.ts';
import { diagnose } from './engine/index.ts';
import type { Diagnosis } from './engine/types.ts';
import { intentOf } from './fixes.ts';
import { diagnosisMessage } from './report.ts';

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

export class DiagnosisService {
  private readonly collector: AppCollector;
  private readonly clock: Clock;
  private readonly explainer?: Explainer;

  constructor(deps: { collector: AppCollector; clock: Clock; explainer?: Explainer }) {
    this.collector = deps.collector;
    this.clock = deps.clock;
    this.explainer = deps.explainer;
  }

  async run(r: ResolvedApp, signal?: AbortSignal): Promise<{ diagnosis: Diagnosis; snapshot: AppSnapshot }> {
    const snapshot = await this.collector.collect(r, signal);
    return { diagnosis: diagnose(snapshot, { now: this.clock.now() }), snapshot };
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
    const fixing = picked?.fix ? picked : (diagnosis.rootCause ?? diagnosis.findings[0]);
    const intent = fixing?.fix ? intentOf(fixing.fix, this.clock.now()) : undefined;
    const fixButton =
      intent && opts.button
        ? await opts.button({
            kind: FIX_ACTION,
            params: {
              app: r.ref,
              instance: r.instance,
              intent,
              reason: `${fixing?.category}: ${fixing?.summary}`,
            },
            scope: { app: r.app.metadata.name, project: r.app.spec.project },
          })
        : undefined;
    const explanation = explained ? `_${explained.text}_` : undefined;
    const m = diagnosisMessage(r.ref, diagnosis, { fixButton, explanation, fixFrom: fixing });
    return {
      ...m,
      data: {
        ...m.data,
        ...(explained ? { explanation: explained } : {}),
        collection: { requests: snapshot.requests, gaps: snapshot.gaps },
      },
    };
  }
}
