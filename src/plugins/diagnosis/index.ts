/**
 * The diagnosis plugin: `/diagnose <app>` names the root cause from the app's collected state,
 * shows the evidence and offers the fix as a pull request. DiagnosisToken serves incidents,
 * digests and remediation.
 */
import { z } from 'zod';
import { defineAction } from '../../core/actions.ts';
import { defineCommand } from '../../core/commands/define.ts';
import { ConflictError } from '../../core/errors.ts';
import { definePlugin } from '../../core/plugin.ts';
import { token } from '../../core/token.ts';
import { ClockToken, LoggerToken, RedactorToken, StoreToken } from '../../core/tokens.ts';
import { ArgoToken } from '../argocd/index.ts';
import { GitOpsToken } from '../gitops-pr/index.ts';
import { IntentSchema } from '../gitops-pr/api.ts';
import { AppStateToken } from '../k8s/index.ts';
import { DiagnosisConfigSchema } from './llm/config.ts';
import type { LlmExplainer } from './llm/explainer.ts';
import { DiagnosisService, FIX_ACTION, type Explainer } from './service.ts';

export type { Diagnosis, Finding, Category } from './engine/types.ts';
export { categories } from './engine/types.ts';
export { summarize } from './engine/index.ts';
export type { DiagnosisService } from './service.ts';

export const DiagnosisToken = token<DiagnosisService>('Diagnosis');

export const diagnosisPlugin = definePlugin({
  id: 'diagnosis',
  summary: 'Diagnosis: the root cause of a broken app, its evidence, and a fix as a pull request',
  config: DiagnosisConfigSchema,
  deps: {
    argo: ArgoToken,
    collector: AppStateToken,
    clock: ClockToken,
    redactor: RedactorToken,
    log: LoggerToken,
    store: StoreToken,
  },
  // Without GitOps a diagnosis still names the cause and its evidence; it only offers no fix PR.
  optionalDeps: { gitops: GitOpsToken },
  provides: [DiagnosisToken],
  init({ config, deps, commands, actions, provide }) {
    const { gitops } = deps;
    const noGitOps = () =>
      new ConflictError('the gitops plugin is off, so deckhand opens no pull requests', {
        hint: '`plugins` says why it is off.',
      });
    // LangChain is large (~65 MB resident): it loads with the first explanation, only when configured.
    const llm = config.llm;
    let loaded: Promise<LlmExplainer> | undefined;
    const explainer: Explainer | undefined = llm && {
      explain: async (d, signal) => {
        loaded ??= import('./llm/explainer.ts').then(
          (m) => new m.LlmExplainer(llm, deps.redactor, deps.log, deps.store.audit),
        );
        return (await loaded).explain(d, signal);
      },
    };
    const service = new DiagnosisService({
      collector: deps.collector,
      clock: deps.clock,
      explainer,
      planner: gitops
        ? {
            preview: (r, intent, signal) => gitops.preview(r, intent, signal),
            breakingCommit: (r, window, signal) => gitops.breakingCommit(r, window, signal),
          }
        : {
            // The service shows a refused plan as "No fix offered: <why>", which is the answer here.
            preview: () => Promise.reject(noGitOps()),
            breakingCommit: () => Promise.reject(noGitOps()),
          },
    });
    provide(DiagnosisToken, service);
    commands.add(
      defineCommand({
        name: 'diagnose',
        summary: 'Find the root cause of what is wrong with an app, with evidence and a fix',
        args: z.object({ app: z.string().describe('application: name, namespace/name or name@instance') }),
        positional: ['app'],
        examples: ['diagnose naver-news'],
        permission: 'argo.read',
        progress: 'Collecting Argo CD, pods, events and logs…',
        async run({ args, signal, button, can }) {
          const r = await deps.argo.resolve(args.app, { signal });
          // Offer the fix button only to someone who may propose it.
          const mayFix = can('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
          return service.report(r, { signal, button: mayFix ? button : undefined });
        },
      }),
    );
    actions.add(
      defineAction({
        kind: FIX_ACTION,
        params: z.object({
          app: z.string(),
          instance: z.string(),
          // gitops's own schema: a stored button whose intent no longer fits is refused when pressed.
          intent: IntentSchema,
          reason: z.string().optional(),
        }),
        permission: 'gitops.propose',
        summary: 'Open the pull request a diagnosis suggests',
        run: async (ctx) => {
          const p = ctx.params;
          const ref = p.app.includes('@') ? p.app : `${p.app}@${p.instance}`;
          const r = await deps.argo.resolve(ref, { signal: ctx.signal });
          ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
          // A button from before GitOps was switched off.
          if (!gitops) throw noGitOps();
          const reply = await gitops.propose(
            { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
            r,
            p.intent,
            { reason: p.reason },
          );
          return reply ? { reply } : undefined;
        },
      }),
    );
  },
});
