/**
 * `/argo dora`: the four keys for an app, a project or everything deckhand can see, over a period,
 * each with its DORA level and how it moved against the period before.
 */
import { z } from 'zod';
import { defineCommand } from '../../core/commands/define.ts';
import { InputError } from '../../core/errors.ts';
import { anyGlob, globMatch } from '../../core/glob.ts';
import { esc, link } from '../../core/message/markup.ts';
import { duration } from '../../core/message/time.ts';
import type { Clock } from '../../core/clock.ts';
import { matchesSelector, parseSelector, type Application, type ArgoService } from '../argocd/index.ts';
import type { DeliveryConfig, Team } from './config.ts';
import type { Band, Failure, FourKeys } from './four-keys.ts';
import { weeklyChart } from './chart.ts';
import type { Recorder } from './recorder.ts';

const DAY = 86_400_000;
const since = z
  .string()
  .regex(/^[1-9]\d{0,2}d$/, 'a number of days from 1 to 999, like 30d')
  .default('30d')
  .describe('the period, counted back from now (7d, 30d, 90d)');

const pct = (r: number) => `${Math.round(r * 1000) / 10}%`;
const level = (b: Band | undefined) => (b ? ` — ${b}` : '');

/** Better, worse or the same as the period before, for a figure where `lower` is better or not. */
function trend(now: number | undefined, before: number | undefined, lowerIsBetter: boolean): string {
  if (now === undefined || before === undefined) return '';
  if (now === before) return ' (as before)';
  const better = lowerIsBetter ? now < before : now > before;
  return better ? ' (better than the period before)' : ' (worse than the period before)';
}

/** A team's apps, as its selection says (globs of projects and apps, a label selector, instances). */
function teamSelector(t: Team): (instance: string, app: Application) => boolean {
  const reqs = t.labels ? parseSelector(t.labels) : [];
  return (instance, app) =>
    (!t.instances || t.instances.includes(instance)) &&
    anyGlob(t.projects, app.spec.project) &&
    anyGlob(t.apps, app.metadata.name) &&
    matchesSelector(reqs, app.metadata.labels);
}

export function doraCommand(
  argo: ArgoService,
  recorder: Recorder,
  clock: Clock,
  cfg: DeliveryConfig,
  chartDir: string,
  /** The environments gitops knows, and the one an app is in. */
  envOf?: { names(): string[]; of(instance: string, app: Application): string | undefined },
) {
  return defineCommand({
    name: 'argo dora',
    summary:
      'The four keys of delivery (deployment frequency, lead time, change failure rate, time to restore)',
    args: z.object({
      app: z.string().optional().describe('an app (name or glob); every app when left out'),
      project: z.string().optional().describe('an Argo CD project (name or glob)'),
      team: z.string().optional().describe('a team of plugins.delivery.teams'),
      env: z.string().optional().describe('an environment (plugins.gitops.environments)'),
      since,
    }),
    positional: ['app'],
    examples: [
      'argo dora',
      'argo dora naver-news --since 90d',
      'argo dora --project flash-tickets --env prod',
    ],
    permission: 'argo.read',
    progress: 'Counting deployments…',
    async run({ args, signal, authorize }) {
      const days = Number(args.since.slice(0, -1));
      const { apps, failures: unread } = await argo.list({ signal });
      const team = args.team === undefined ? undefined : cfg.teams.find((t) => t.name === args.team);
      if (args.team !== undefined && !team)
        throw new InputError(
          `${args.team} is not a team deckhand knows${cfg.teams.length ? ` (${cfg.teams.map((t) => t.name).join(', ')})` : ''}.`,
          { hint: 'Teams are listed in plugins.delivery.teams.' },
        );
      if (args.env !== undefined && !envOf)
        throw new InputError('Environments come from gitops (plugins.gitops.environments), which is off.');
      const envs = envOf?.names() ?? [];
      if (args.env !== undefined && !envs.includes(args.env))
        throw new InputError(
          `${args.env} is not an environment deckhand knows${envs.length ? ` (${envs.join(', ')})` : ''}.`,
          { hint: 'Environments are listed in plugins.gitops.environments.order.' },
        );
      const inTeam = team ? teamSelector(team) : () => true;
      const picked = apps.filter(
        ({ instance, app }) =>
          (!args.app || globMatch(args.app, app.metadata.name)) &&
          (!args.project || globMatch(args.project, app.spec.project)) &&
          inTeam(instance, app) &&
          (args.env === undefined || envOf?.of(instance, app) === args.env),
      );
      const scope = [
        args.app ?? (team || args.project || args.env ? undefined : 'every app'),
        team ? `team ${team.name}` : undefined,
        args.project ? `project ${args.project}` : undefined,
        args.env ? `${args.env}` : undefined,
      ]
        .filter(Boolean)
        .join(', ');
      if (!picked.length) throw new InputError(`No app matches ${scope}.`);
      // Only the apps this person may read count (and none they may not is named).
      const readable = picked.filter(({ app }) => {
        try {
          authorize('argo.read', { app: app.metadata.name, project: app.spec.project });
          return true;
        } catch {
          return false;
        }
      });
      if (!readable.length)
        authorize('argo.read', { app: picked[0]!.app.metadata.name, project: picked[0]!.app.spec.project });
      const hidden = picked.length - readable.length;
      const now = clock.now();
      const window = { from: now - days * DAY, to: now };
      const {
        keys,
        recent,
        weeks,
        gaps,
        since: reach,
      } = await recorder.figures(
        readable,
        [window, { from: window.from - days * DAY, to: window.from }],
        { failureWindowMs: cfg.failureWindowHours * 3_600_000, recent: 50, recordMs: 10_000 },
        signal,
      );
      const [k, earlier] = keys as [FourKeys, FourKeys];
      // A period before the record reaches back to has no figures to compare with, only gaps.
      const covered = reach !== undefined && reach <= earlier.from;
      const before = covered ? earlier : undefined;
      if (!covered && reach !== undefined)
        gaps.push(
          `deckhand's record of these apps starts ${new Date(reach).toISOString().slice(0, 10)}: no comparison with the ${days} days before`,
        );
      // A sync running now is a deployment not counted yet (Argo CD writes history when it ends).
      k.running += readable.filter(({ app }) => app.status?.operationState?.phase === 'Running').length;
      if (hidden) gaps.push(`${hidden} app${hidden === 1 ? '' : 's'} you may not read left out`);
      const notes = [
        ...unread.map((f) => `Argo CD ${f.instance} could not be read: ${f.error.message}`),
        ...gaps,
        ...(k.running
          ? [`${k.running} deployment${k.running === 1 ? '' : 's'} still running, not counted`]
          : []),
      ];
      return {
        text: `Delivery of ${scope} over ${days} days: ${summary(k)}`,
        header: `Delivery: ${scope}, last ${days} days`,
        attachments: [weeklyChart(weeks, `deployments a week: ${scope}`, chartDir, `dora-${scope}`)],
        blocks: [
          {
            type: 'fields',
            fields: [
              {
                label: 'Deployment frequency',
                value: `${round(k.perDay)}/day (${k.deployments} deployment${k.deployments === 1 ? '' : 's'})${level(k.bands.frequency)}${trend(k.perDay, before?.deployments ? before.perDay : undefined, false)}`,
              },
              {
                label: 'Lead time for changes',
                value:
                  k.leadTime.median === undefined
                    ? 'no commits known'
                    : `median ${duration(k.leadTime.median)}, p90 ${duration(k.leadTime.p90 as number)} (${k.leadTime.commits} commit${k.leadTime.commits === 1 ? '' : 's'})${level(k.bands.leadTime)}${trend(k.leadTime.median, before?.leadTime.median, true)}`,
              },
              {
                label: 'Change failure rate',
                value:
                  k.changeFailureRate.rate === undefined
                    ? 'no deployments'
                    : `${pct(k.changeFailureRate.rate)} (${k.changeFailureRate.failed} of ${k.changeFailureRate.of})${level(k.bands.changeFailureRate)}${trend(k.changeFailureRate.rate, before?.changeFailureRate.rate, true)}`,
              },
              {
                label: 'Time to restore',
                value:
                  k.timeToRestore.median === undefined
                    ? k.timeToRestore.open
                      ? `${k.timeToRestore.open} failure${k.timeToRestore.open === 1 ? '' : 's'} not restored yet`
                      : 'no failures'
                    : `median ${duration(k.timeToRestore.median)} (${k.timeToRestore.restored} restored${k.timeToRestore.open ? `, ${k.timeToRestore.open} open` : ''})${level(k.bands.timeToRestore)}${trend(k.timeToRestore.median, before?.timeToRestore.median, true)}`,
              },
            ],
          },
          ...(k.failures.length
            ? [
                {
                  type: 'text' as const,
                  text:
                    '**Failures**\n' +
                    k.failures
                      .map(
                        (f) =>
                          `• ${esc(f.app.split('/').pop() as string)} deployment ${f.deployment}: ${causeOf(f)}${f.restoredAt !== undefined ? `, restored in ${duration(f.restoredAt - f.startedAt)}` : ', not restored yet'}`,
                      )
                      .join('\n'),
                },
              ]
            : []),
          ...(notes.length
            ? [{ type: 'text' as const, text: notes.map((n) => `_${esc(n)}_`).join('\n') }]
            : []),
        ],
        data: {
          scope,
          days,
          keys: k,
          ...(before ? { previous: before } : {}),
          notes,
          // The deployments counted, newest first (the last 50): what the figures stand on.
          deployments: recent.map((d) => ({
            app: d.name,
            id: d.id,
            revision: d.revisions[0],
            finishedAt: new Date(d.finishedAt as number).toISOString(),
            ...(d.initiatedBy ? { initiatedBy: d.initiatedBy } : {}),
            ...(d.restores ? { restores: true } : {}),
            commits: d.commits?.length ?? 0,
            ...(d.commits?.length
              ? { leadTimeMs: (d.finishedAt as number) - Math.min(...d.commits.map((c) => c.at)) }
              : {}),
          })),
        },
      };
    },
  });
}

/** What failed a deployment, linked to where to read about it when there is a place. */
function causeOf(f: Failure): string {
  const what =
    f.cause.kind === 'rollback'
      ? `rolled back by deployment ${f.cause.by}`
      : f.cause.kind === 'degraded'
        ? 'Degraded in Argo CD'
        : `incident ${f.cause.title}`;
  return f.url ? link(what, f.url) : esc(what);
}

const round = (n: number) => (n >= 10 ? String(Math.round(n)) : String(Math.round(n * 100) / 100));

function summary(k: FourKeys): string {
  return [
    `${k.deployments} deployments`,
    k.leadTime.median !== undefined ? `lead time ${duration(k.leadTime.median)}` : undefined,
    k.changeFailureRate.rate !== undefined ? `failure rate ${pct(k.changeFailureRate.rate)}` : undefined,
    k.timeToRestore.median !== undefined ? `restore ${duration(k.timeToRestore.median)}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
}
