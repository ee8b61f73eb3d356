/**
 * `/gitops envs` and `/gitops promote`: one application across its environments, and moving what
 * runs well in one environment to the next as one pull request on the next one's files. A
 * promotion copies the image tags that differ and, when asked, the values of named config keys
 * (as the source's deployed revision has them), and only from an environment that is Synced and
 * Healthy. Who approves is the approval policy of the target's environment; an environment listed
 * in `autoMerge` takes deckhand's changes without one.
 */
import { z } from 'zod';
import { defineCommand, type CommandContext } from '../../../core/commands/define.ts';
import { ConflictError, InputError, NotFoundError } from '../../../core/errors.ts';
import { canonicalRepo, formatImage, parseImage } from '../../../core/image-ref.ts';
import type { ArgoService } from '../../argocd/index.ts';
import { compareTags } from '../../registry/api.ts';
import { globMatch } from '../../../core/glob.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { GitOpsConfig } from '../config.ts';
import { join } from '../edit/edit-set.ts';
import { readKey } from '../edit/promotion.ts';
import { familyOf, type EnvApp, type EnvironmentsConfig } from '../environments.ts';
import type { ChangeIntent, PromotedKey } from '../intents.ts';
import type { GitOpsWorkflow } from '../workflow.ts';

type EnvironmentsSettings = GitOpsConfig['environments'];

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

export function promoteCommands(argo: ArgoService, flow: GitOpsWorkflow, cfg: EnvironmentsSettings) {
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
      summary:
        "Copy an environment's images (and config keys) to the next one, as a pull request on the target's files",
      args: z.object({
        app: z.string().describe('the app in any environment, or its name'),
        from: z.string().optional().describe("the source environment (the app's own when it names one)"),
        to: z.string().describe('the target environment'),
        what: z.enum(WHAT).optional().describe('images (the default), config (the configured keys) or all'),
        keys: z
          .string()
          .optional()
          .describe(
            'config keys to copy instead of the configured ones: <file>:<dotted.key>, comma-separated',
          ),
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

/** `--what`: the images, the configured keys, or both. */
const WHAT = ['images', 'config', 'all'] as const;
type What = (typeof WHAT)[number];

interface PromoteArgs {
  app: string;
  from?: string;
  to: string;
  what?: What;
  keys?: string;
  reason?: string;
}

/** The `<file>:<key>` specs to copy: those asked for, else those configured for the family. */
function keySpecs(cfg: EnvironmentsSettings, family: string, asked?: string): string[] {
  if (asked !== undefined) {
    const specs = asked
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
    const bad = specs.find((k) => !/^[^:]+:[^:]+$/.test(k));
    if (bad || !specs.length)
      throw new InputError(
        `${bad ?? asked} is not a key to copy: say <file>:<dotted.key>, like values-{env}.yaml:config.flags.`,
      );
    return specs;
  }
  const found = cfg.promote.filter((p) => p.apps.some((g) => globMatch(g, family))).flatMap((p) => p.keys);
  if (!found.length)
    throw new InputError(`No config keys are set to be promoted for ${family}.`, {
      hint: 'Name them with --keys <file>:<key>, or list them in plugins.gitops.environments.promote.',
    });
  return [...new Set(found)];
}

/** A file of an environment's app, by a spec's file part ({env} is the environment). */
function fileOf(e: EnvApp, file: string): string {
  const base = join(e.view.sources[0]?.path ?? '', '') ?? '';
  const path = join(base, file.replaceAll('{env}', e.env));
  if (path === undefined || (base && !path.startsWith(`${base}/`)))
    throw new InputError(`${file} is outside ${e.view.name}'s path (${base || '/'}).`);
  return path;
}

/** The values the source environment has at each key, as its deployed revision has them. */
async function keysToCopy(
  flow: GitOpsWorkflow,
  source: { e: EnvApp; r: ResolvedApp },
  target: EnvApp,
  specs: string[],
  signal?: AbortSignal,
): Promise<PromotedKey[]> {
  const revision = source.e.view.sources[0]?.revision;
  if (!revision || !source.e.view.sources[0]?.path)
    throw new InputError(`${source.e.view.name} has no files in Git at a known revision to copy keys from.`);
  const texts = new Map<string, string | undefined>();
  const out: PromotedKey[] = [];
  for (const spec of specs) {
    const [file, key] = spec.split(':') as [string, string];
    const from = fileOf(source.e, file);
    if (!texts.has(from)) texts.set(from, await flow.readFile(source.r, revision, from, signal));
    const text = texts.get(from);
    if (text === undefined)
      throw new NotFoundError(
        `${source.e.view.name} has no ${from} at ${short(revision)}, so there is no ${key} to copy.`,
      );
    const found = readKey(from, text, key);
    if (!found)
      throw new NotFoundError(
        `${from} sets no ${key} in ${source.e.env} (at ${short(revision)}); there is nothing to copy.`,
      );
    const into = fileOf(target, file);
    // One file both environments read would be set back to what the source deployed: not a promotion.
    if (into === from)
      throw new InputError(
        `${from} is the same file for ${source.e.env} and ${target.env}; there is nothing to promote in it.`,
        {
          hint: 'Name each environment’s own file, like values-{env}.yaml:config.flags.',
        },
      );
    out.push({ file: into, key, ...found });
  }
  return out;
}

async function promote(
  argo: ArgoService,
  flow: GitOpsWorkflow,
  cfg: EnvironmentsSettings,
  ctx: CommandContext<PromoteArgs>,
) {
  const { args, signal } = ctx;
  const what: What = args.what ?? (args.keys ? 'all' : 'images');
  if (what === 'images' && args.keys !== undefined)
    throw new InputError('--keys names config keys to copy: use it with --what config or --what all.');
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
  const specs = what === 'images' ? [] : keySpecs(cfg, f.family, args.keys);
  const source = inEnv(f, fromEnv);
  const target = inEnv(f, args.to);
  if (source.view.sync !== 'Synced' || source.view.health !== 'Healthy')
    throw new ConflictError(
      `${source.view.name} is ${source.view.sync} and ${source.view.health}; deckhand promotes only what runs well.`,
      { hint: `Fix ${fromEnv} first (/diagnose ${source.view.name}), then promote.` },
    );
  const changes =
    what === 'config'
      ? []
      : imagesOf(source).flatMap((img) => {
          const t = imagesOf(target).find((x) => canonicalRepo(x.repo) === canonicalRepo(img.repo));
          return t && (t.tag !== img.tag || t.digest !== img.digest) ? [{ from: t, to: img }] : [];
        });
  // An image the Application sets, or Image Updater writes, is not the files' to decide: a
  // promotion there would not take effect, or be written over by the automation.
  const elsewhere = changes
    .map((c) =>
      target.view.images.find((i) => canonicalRepo(parseImage(i.image).repo) === canonicalRepo(c.to.repo)),
    )
    .find((i) => i && i.origin !== 'git');
  if (elsewhere)
    throw new ConflictError(
      `${target.view.name}'s ${parseImage(elsewhere.image).repo} is ${elsewhere.origin === 'override' ? 'set by its Application' : 'managed by Image Updater'} (${elsewhere.detail ?? elsewhere.origin}); a promotion of its files would not hold.`,
      {
        hint: `Use gitops bump ${target.view.name} <tag>: it changes the image where it is set and pins it for Image Updater.`,
      },
    );
  const back = changes.find((c) => c.from.tag && c.to.tag && compareTags(c.to.tag, c.from.tag) < 0);
  if (back)
    throw new ConflictError(
      `${target.view.name} runs ${back.from.tag}, newer than ${source.view.name}'s ${back.to.tag}: promoting would roll ${args.to} back.`,
      {
        hint: `To roll back on purpose, use gitops bump ${target.view.name} ${back.to.tag} or gitops revert.`,
      },
    );
  if (!changes.length && !specs.length)
    return {
      text: `${target.view.name} already runs what ${source.view.name} runs (${source.view.images.map((i) => i.image).join(', ')}); nothing to promote.`,
      tone: 'info' as const,
    };
  const r = await argo.resolve(`${target.view.name}@${target.instance}`, { signal });
  ctx.authorize('gitops.propose', { app: r.app.metadata.name, project: r.app.spec.project });
  const from = specs.length
    ? await argo.resolve(`${source.view.name}@${source.instance}`, { signal })
    : undefined;
  // The source's files are read and their values said in chat and in the pull request.
  if (from) ctx.authorize('gitops.read', { app: from.app.metadata.name, project: from.app.spec.project });
  const keys = from ? await keysToCopy(flow, { e: source, r: from }, target, specs, signal) : [];
  const said = [
    ...changes.map((c) => `${formatImage(c.to)} (now ${c.from.tag ?? c.from.digest})`),
    ...keys.map((k) => `${k.key} from ${k.file.split('/').pop()}`),
  ];
  await ctx.say({
    text: `Promoting ${said.join(', ')} from ${fromEnv} (${source.view.name}, Synced and Healthy) to ${args.to} (${target.view.name}).`,
    tone: 'info',
  });
  const intent: ChangeIntent = {
    kind: 'promote',
    from: fromEnv,
    images: changes.map((c) => formatImage(c.to)),
    ...(keys.length ? { keys } : {}),
  };
  return flow.propose(
    { actor: ctx.actor, conversation: ctx.conversation, say: ctx.say, button: ctx.button },
    r,
    intent,
    { reason: args.reason ?? `promote from ${fromEnv} (${source.view.name})`, signal },
  );
}
