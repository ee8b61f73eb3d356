/** `/gitops bump|scale|resources|restart|revert`: every change becomes a pull request. */
import { z } from 'zod';
import type { Clock } from '../../../core/clock.ts';
import { defineCommand, type CommandContext } from '../../../core/commands/define.ts';
import { InputError } from '../../../core/errors.ts';
import type { ArgoService } from '../../argocd/index.ts';
import type { RegistryService } from '../../registry/api.ts';
import type { ChangeIntent, Intent } from '../intents.ts';
import type { GitOpsWorkflow } from '../workflow.ts';
import { nextImageIntent } from './next-image.ts';

const appArg = z.string().describe('application: name, namespace/name or name@instance');
const reason = z.string().max(500).optional().describe('why, for the pull request');
const path = z
  .string()
  .max(300)
  .optional()
  .describe(
    'where the change goes when deckhand cannot tell: a workload (Deployment/web), a file, a values key or a Helm parameter',
  );
const memory = /^(\d+(\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const cpu = /^(\d+(\.\d+)?|\d+m)$/;

/**
 * The intent of `gitops resources`: only the settings given, as limits or (`--requests`) requests.
 * A setting left out is absent from the intent, not present as undefined: every title, message and
 * check downstream reads the intent's keys.
 */
export function resourcesIntent(args: {
  settings: { memory?: string; cpu?: string };
  requests?: boolean;
  container?: string;
}): Extract<ChangeIntent, { kind: 'resources' }> {
  const values: { memory?: string; cpu?: string } = {};
  for (const name of ['memory', 'cpu'] as const) {
    const v = args.settings[name];
    if (v) values[name] = v;
  }
  if (!Object.keys(values).length) throw new InputError('Give memory=… and/or cpu=….');
  return {
    kind: 'resources',
    ...(args.container ? { container: args.container } : {}),
    ...(args.requests ? { requests: values } : { limits: values }),
  };
}

/** The intent of `gitops revert`: a pull request number (`#12`, short), a commit, or the last change. */
export function revertIntent(target: string | undefined): Intent {
  if (!target) return { kind: 'revert' };
  return /^#?\d+$/.test(target) && target.length < 7
    ? { kind: 'revert', pullRequest: Number(target.replace('#', '')) }
    : { kind: 'revert', commit: target };
}

async function proposeFor(
  argo: ArgoService,
  flow: GitOpsWorkflow,
  ctx: CommandContext<{ app: string; reason?: string; path?: string }>,
  asked: Intent,
) {
  const intent: Intent = asked.kind !== 'revert' && ctx.args.path ? { ...asked, path: ctx.args.path } : asked;
  const r = await argo.resolve(ctx.args.app, { signal: ctx.signal });
  ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
  return flow.propose(
    { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
    r,
    intent,
    // The deadline reaches the Git host: past it nothing more is read or written.
    { reason: ctx.args.reason, signal: ctx.signal },
  );
}

/**
 * `gitops bump <app>` with no tag or `latest`: the registry picks the tag (next-image.ts), the
 * conversation hears how, and the pull request is the same as for a typed tag.
 */
async function bumpToNewest(
  argo: ArgoService,
  flow: GitOpsWorkflow,
  registry: RegistryService | undefined,
  ctx: CommandContext<{ app: string; container?: string; reason?: string; path?: string }>,
) {
  if (!registry)
    throw new InputError(
      'Give the tag to bump to: the registry plugin is off, so deckhand reads no registry.',
      {
        hint: '`plugins` says why it is off.',
      },
    );
  const r = await argo.resolve(ctx.args.app, { signal: ctx.signal });
  ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
  const next = await nextImageIntent(r, registry, { container: ctx.args.container }, ctx.signal);
  if ('done' in next) return { text: next.done, tone: 'info' as const };
  await ctx.say({ text: next.note, tone: 'info' });
  return proposeFor(argo, flow, ctx, next.intent);
}

export function changeCommands(
  argo: ArgoService,
  flow: GitOpsWorkflow,
  clock: Clock,
  limits: { maxReplicas: number },
  registry?: RegistryService,
) {
  return [
    defineCommand({
      name: 'gitops bump',
      summary: 'Change the image of an app (a pull request)',
      args: z.object({
        app: appArg,
        image: z
          .string()
          .regex(/^[\w./:@-]+$/, 'a tag or image reference')
          .optional()
          .describe(
            "a tag (master-484af0a), a full reference (repo:tag), or latest / nothing: the newest by the app's policy",
          ),
        container: z.string().optional().describe('the container, when the pod has several'),
        reason,
        path,
      }),
      positional: ['app', 'image'],
      examples: [
        'gitops bump naver-news master-484af0a',
        'gitops bump flash-api-prod ghcr.io/sijunkim/flash-api:1.15.0 --container flash-api',
        'gitops bump flash-api-prod latest',
      ],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) =>
        !ctx.args.image || ctx.args.image === 'latest'
          ? bumpToNewest(argo, flow, registry, ctx)
          : proposeFor(argo, flow, ctx, {
              kind: 'image',
              image: ctx.args.image,
              ...(ctx.args.container ? { container: ctx.args.container } : {}),
            }),
    }),
    defineCommand({
      name: 'gitops scale',
      summary: 'Change the replica count of an app (a pull request)',
      args: z.object({
        app: appArg,
        replicas: z
          .number()
          .int()
          .min(0)
          .max(limits.maxReplicas, `at most ${limits.maxReplicas} (plugins.gitops.maxReplicas)`)
          .describe('the replica count'),
        reason,
        path,
      }),
      positional: ['app', 'replicas'],
      examples: ['gitops scale naver-news 3'],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) => proposeFor(argo, flow, ctx, { kind: 'replicas', replicas: ctx.args.replicas }),
    }),
    defineCommand({
      name: 'gitops resources',
      summary: 'Change memory/cpu limits or requests (a pull request)',
      args: z.object({
        app: appArg,
        settings: z.partialRecord(z.enum(['memory', 'cpu']), z.string()).superRefine((r, c) => {
          if (r.memory !== undefined && !memory.test(r.memory))
            c.addIssue({ code: 'custom', message: `memory=${r.memory} is not a quantity like 512Mi or 1Gi` });
          if (r.cpu !== undefined && !cpu.test(r.cpu))
            c.addIssue({ code: 'custom', message: `cpu=${r.cpu} is not a quantity like 500m or 2` });
        }),
        requests: z.boolean().default(false).describe('set requests instead of limits'),
        container: z.string().optional(),
        reason,
        path,
      }),
      positional: ['app'],
      pairs: 'settings',
      examples: [
        'gitops resources naver-news memory=1Gi',
        'gitops resources flash-api-prod cpu=500m memory=768Mi --requests',
      ],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) => proposeFor(argo, flow, ctx, resourcesIntent(ctx.args)),
    }),
    defineCommand({
      name: 'gitops restart',
      summary: 'Restart the pods of an app through Git (a pod-template annotation)',
      args: z.object({ app: appArg, reason, path }),
      positional: ['app'],
      examples: ['gitops restart naver-news', 'gitops restart flash-api-prod --path Deployment/flash-api'],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) =>
        proposeFor(argo, flow, ctx, {
          kind: 'restart',
          at: new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        }),
    }),
    defineCommand({
      name: 'gitops unpin',
      summary: 'Release an image deckhand pinned for Image Updater (a pull request on its Application)',
      args: z.object({
        app: appArg,
        image: z
          .string()
          .optional()
          .describe("the Image Updater alias, when deckhand pinned several of the app's images"),
        reason,
      }),
      positional: ['app'],
      examples: [
        {
          line: 'gitops unpin naver-news',
          notInDemo:
            'no image of the demo is pinned until a bump of an Image Updater write-back argocd app pins one',
        },
      ],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) =>
        proposeFor(argo, flow, ctx, { kind: 'unpin', ...(ctx.args.image ? { alias: ctx.args.image } : {}) }),
    }),
    defineCommand({
      name: 'gitops revert',
      summary: 'Revert a commit or a merged pull request (a pull request)',
      args: z.object({
        app: appArg,
        target: z
          .string()
          .regex(/^(#?\d+|[0-9a-f]{7,40})$/, 'a commit sha or a pull request number (#12)')
          .optional()
          .describe('commit sha or #pull-request; default: the revision deployed now'),
        reason,
      }),
      positional: ['app', 'target'],
      examples: [
        'gitops revert naver-news',
        {
          line: 'gitops revert naver-news #42',
          notInDemo: '#42 stands for a merged pull request of the app; the demo has none yet',
        },
        {
          line: 'gitops revert naver-news 1a2b3c4',
          notInDemo: "1a2b3c4 stands for a commit of the app's; the demo's hashes change at every start",
        },
      ],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the revert…',
      run: (ctx) => proposeFor(argo, flow, ctx, revertIntent(ctx.args.target)),
    }),
  ];
}
