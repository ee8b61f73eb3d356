/**
 * `/gitops envs` and `/gitops promote`: one application across its environments, and moving what
 * runs well in one environment to the next as a pull request on the next one's files. A promotion
 * copies image tags only, and only from an environment that is Synced and Healthy at them.
 */
import { z } from 'zod';
import { defineCommand, type CommandContext } from '../../../core/commands/define.ts';
import { ConflictError, InputError, NotFoundError } from '../../../core/errors.ts';
import { canonicalRepo, formatImage, parseImage } from '../../../core/image-ref.ts';
import type { ArgoService } from '../../argocd/index.ts';
import { compareTags } from '../../registry/api.ts';
import { familyOf, type EnvApp, type EnvironmentsConfig } from '../environments.ts';
import type { GitOpsWorkflow } from '../workflow.ts';

const short = (rev?: string) => (rev && /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : (rev ?? '—'));
const imagesOf = (e: EnvApp) => e.view.images.map((i) => parseImage(i.image));

async function family(argo: ArgoService, cfg: EnvironmentsConfig, app: string, signal?: AbortSignal) {
  const { apps } = await argo.list({ signal });
  const f = familyOf(cfg, apps, app);
  if (!f)
    throw new NotFoundError(`${app} is in no environment deckhand knows (${cfg.order.join(', ')}).`, {
      hint: 'Environments come from an -<env> name suffix, an overlays/<env> path, or the label in plugins.gitops.environments.label.',
    });
  return f;
}

/** The one app of the family in an environment, or why there is none. */
function inEnv(f: { family: string; members: Map<string, EnvApp[]> }, env: string): EnvApp {
  const found = f.members.get(env) ?? [];
  if (found.length === 1) return found[0] as EnvApp;
  if (!found.length) throw new NotFoundError(`${f.family} has no app in ${env}.`);
  throw new InputError(
    `${f.family} has ${found.length} apps in ${env} (${found.map((e) => `${e.view.name}@${e.instance}`).join(', ')}).`,
  );
}

/** How an environment's image compares with the next one's: ahead, behind, or different. */
function versus(a: EnvApp, b: EnvApp): string[] {
  const out: string[] = [];
  for (const img of imagesOf(a)) {
    const other = imagesOf(b).find((x) => canonicalRepo(x.repo) === canonicalRepo(img.repo));
    if (!other || other.tag === img.tag) continue;
    const c = img.tag && other.tag ? compareTags(img.tag, other.tag) : 0;
    const how = c > 0 ? 'ahead of' : c < 0 ? 'behind' : 'different from';
    out.push(`${a.env} is ${how} ${b.env}: ${formatImage(img)} vs ${other.tag ?? other.digest}`);
  }
  return out;
}

export function promoteCommands(argo: ArgoService, flow: GitOpsWorkflow, cfg: EnvironmentsConfig) {
  return [
    defineCommand({
      name: 'gitops envs',
      summary: 'An app in each environment, side by side, and what is ahead where',
      args: z.object({
        app: z.string().describe('the app in any environment (flash-api-prod) or its name (flash-api)'),
      }),
      positional: ['app'],
      examples: ['gitops envs flash-api'],
      permission: 'gitops.read',
      async run({ args, signal }) {
        const f = await family(argo, cfg, args.app, signal);
        const envs = cfg.order.filter((e) => f.members.has(e));
        const rows = envs.flatMap((env) =>
          (f.members.get(env) ?? []).map((e) => [
            env,
            e.view.name,
            e.view.images.map((i) => i.image).join(', ') || '—',
            short(e.view.sources[0]?.revision),
            `${e.view.sync} ${e.view.health}`,
          ]),
        );
        const notes = envs.slice(0, -1).flatMap((env, i) => {
          const [a, b] = [f.members.get(env), f.members.get(envs[i + 1] as string)];
          return a?.length === 1 && b?.length === 1 ? versus(a[0] as EnvApp, b[0] as EnvApp) : [];
        });
        return {
          text: `${f.family} in ${envs.length} environment${envs.length === 1 ? '' : 's'}${notes.length ? `; ${notes.join('; ')}` : ''}`,
          header: `${f.family} by environment`,
          blocks: [
            { type: 'table', table: { columns: ['env', 'app', 'images', 'revision', 'state'], rows } },
            ...(notes.length ? [{ type: 'text' as const, text: notes.join('\n') }] : []),
          ],
          data: {
            family: f.family,
            environments: envs.map((env) => ({
              env,
              apps: (f.members.get(env) ?? []).map((e) => ({
                name: e.view.name,
                instance: e.instance,
                images: e.view.images.map((i) => i.image),
                revision: e.view.sources[0]?.revision,
                sync: e.view.sync,
                health: e.view.health,
              })),
            })),
            ahead: notes,
          },
        };
      },
    }),
    defineCommand({
      name: 'gitops promote',
      summary: "Copy an environment's image to the next one (a pull request on the target's files)",
      args: z.object({
        app: z.string().describe('the app in any environment, or its name'),
        from: z.string().optional().describe("the source environment (the app's own when it names one)"),
        to: z.string().describe('the target environment'),
        reason: z.string().max(500).optional().describe('why, for the pull request'),
      }),
      positional: ['app'],
      examples: [
        'gitops promote flash-api --from staging --to prod',
        'gitops promote flash-api-staging --to prod',
      ],
      permission: 'gitops.propose',
      effect: 'write',
      progress: 'Writing the pull request…',
      run: (ctx) => promote(argo, flow, cfg, ctx),
    }),
  ];
}

async function promote(
  argo: ArgoService,
  flow: GitOpsWorkflow,
  cfg: EnvironmentsConfig,
  ctx: CommandContext<{ app: string; from?: string; to: string; reason?: string }>,
) {
  const { args, signal } = ctx;
  for (const env of [args.from, args.to])
    if (env && !cfg.order.includes(env))
      throw new InputError(`${env} is not an environment deckhand knows (${cfg.order.join(', ')}).`, {
        hint: 'The order is plugins.gitops.environments.order.',
      });
  const f = await family(argo, cfg, args.app, signal);
  const named = [...f.members.values()].flat().find((e) => e.view.name === args.app);
  const fromEnv = args.from ?? named?.env;
  if (!fromEnv) throw new InputError(`Say which environment to promote from: --from <env>.`);
  if (fromEnv === args.to) throw new InputError(`${fromEnv} is both the source and the target.`);
  // A promotion goes one environment forward: what reaches prod has run in staging.
  const next = cfg.order[cfg.order.indexOf(fromEnv) + 1];
  if (next !== args.to)
    throw new InputError(
      `Promotion goes one environment forward, in the order ${cfg.order.join(' → ')}: ${fromEnv} promotes to ${next ?? 'nothing'}, not ${args.to}.`,
      { hint: `To put a given image in ${args.to}, use gitops bump.` },
    );
  const source = inEnv(f, fromEnv);
  const target = inEnv(f, args.to);
  if (source.view.sync !== 'Synced' || source.view.health !== 'Healthy')
    throw new ConflictError(
      `${source.view.name} is ${source.view.sync} and ${source.view.health}; deckhand promotes only what runs well.`,
      { hint: `Fix ${fromEnv} first (/diagnose ${source.view.name}), then promote.` },
    );
  const changes = imagesOf(source).flatMap((img) => {
    const t = imagesOf(target).find((x) => canonicalRepo(x.repo) === canonicalRepo(img.repo));
    return t && (t.tag !== img.tag || t.digest !== img.digest) ? [{ from: t, to: img }] : [];
  });
  const back = changes.find((c) => c.from.tag && c.to.tag && compareTags(c.to.tag, c.from.tag) < 0);
  if (back)
    throw new ConflictError(
      `${target.view.name} runs ${back.from.tag}, newer than ${source.view.name}'s ${back.to.tag}: promoting would roll ${args.to} back.`,
      {
        hint: `To roll back on purpose, use gitops bump ${target.view.name} ${back.to.tag} or gitops revert.`,
      },
    );
  if (!changes.length)
    return {
      text: `${target.view.name} already runs what ${source.view.name} runs (${source.view.images.map((i) => i.image).join(', ')}); nothing to promote.`,
      tone: 'info' as const,
    };
  if (changes.length > 1)
    throw new ConflictError(
      `${source.view.name} differs from ${target.view.name} in ${changes.length} images (${changes.map((c) => formatImage(c.to)).join(', ')}); deckhand promotes one image per pull request.`,
      { hint: `Bump them one at a time: gitops bump ${target.view.name} <image>.` },
    );
  const change = changes[0] as (typeof changes)[number];
  const r = await argo.resolve(`${target.view.name}@${target.instance}`, { signal });
  ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
  await ctx.say({
    text: `Promoting ${formatImage(change.to)} from ${fromEnv} (${source.view.name}, Synced and Healthy) to ${args.to} (${target.view.name}, now ${change.from.tag ?? change.from.digest}).`,
    tone: 'info',
  });
  return flow.propose(
    { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
    r,
    { kind: 'image', image: formatImage(change.to) },
    { reason: args.reason ?? `promote from ${fromEnv} (${source.view.name})`, signal },
  );
}
