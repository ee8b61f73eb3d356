/** `/digest [now] [--channel c]`, `/schedules`, `/argo mute|unmute`. */
import { z } from 'zod';
import type { Clock } from '../../../core/clock.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import { InputError, NotFoundError } from '../../../core/errors.ts';
import { code, esc } from '../../../core/message/markup.ts';
import { CronSchedule, type CronScheduler } from '../../../core/scheduler.ts';
import type { ArgoService } from '../../argocd/index.ts';
import type { NotifyService } from '../../notify/index.ts';
import type { DigestConfig, Schedule } from '../config.ts';
import type { DigestBuilder } from '../digest.ts';
import type { TransitionWatcher } from '../transitions.ts';

const durationArg = z
  .string()
  .regex(/^\d+[mhd]$/, 'a duration like 30m, 2h or 1d')
  .transform(
    (s) =>
      Number(s.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 'm' | 'h' | 'd'],
  );

export function digestCommands(deps: {
  cfg: DigestConfig;
  builder: DigestBuilder;
  scheduler: CronScheduler;
  watcher: TransitionWatcher;
  argo: ArgoService;
  clock: Clock;
  /** Sends a digest beyond chat where notify's routes say (absent: the notify plugin is off). */
  notify?: NotifyService;
}) {
  const find = (channel: string | undefined, conversationChannel: string): Schedule => {
    const digests = deps.cfg.schedules.filter((s) => s.kind === 'digest');
    const s = channel
      ? digests.find((x) => x.id === channel || x.channel === channel || x.channel.endsWith(`:${channel}`))
      : (digests.find(
          (x) => x.channel.endsWith(`:${conversationChannel}`) || x.channel === conversationChannel,
        ) ?? digests[0]);
    if (s) return s;
    if (channel)
      throw new NotFoundError(`No digest is scheduled for ${code(channel)}. \`schedules\` lists them.`);
    // No schedule at all: a digest of everything, for whoever asks.
    return {
      id: 'all',
      channel: conversationChannel,
      cron: '',
      timeZone: 'UTC',
      kind: 'digest',
      select: {},
      chart: true,
      delivery: 30,
    };
  };
  // Armed by the scheduler on the leader; elsewhere (a follower, `deckhand exec`) from the cron itself.
  const nextOf = (s: Schedule): Date | null => {
    const armed = deps.scheduler.next(`digest.${s.id}`);
    if (armed) return armed;
    const at = new CronSchedule(s.cron, s.timeZone).next(deps.clock.now());
    return at === null ? null : new Date(at);
  };
  return [
    defineCommand({
      name: 'digest',
      summary: 'Post a health digest now (the one scheduled for this channel, or --channel)',
      args: z.object({
        now: z.enum(['now']).optional().describe('run it now (the default)'),
        channel: z.string().optional().describe('a schedule id or channel'),
      }),
      positional: ['now'],
      examples: [
        'digest now',
        {
          line: 'digest --channel flash-tickets',
          notInDemo: 'the demo configuration schedules no digest for that channel',
        },
      ],
      permission: 'argo.read',
      progress: 'Building the digest…',
      run: async ({ args, conversation }) =>
        deps.builder.build(find(args.channel, conversation.channel), { remember: false }),
    }),
    defineCommand({
      name: 'digest send',
      summary:
        "Post a health digest now and send it where plugins.notify's routes send digests (email, webhooks)",
      description:
        "It reaches people and systems beyond chat (managers by mail, a team's automation), so it is a write: it needs digest.send, which a role grants only through a binding.",
      args: z.object({
        channel: z.string().optional().describe('a schedule id or channel'),
      }),
      examples: ['digest send'],
      permission: 'digest.send',
      effect: 'write',
      progress: 'Building the digest…',
      run: async ({ args, conversation }) => {
        if (!deps.notify) throw new InputError('digest send needs the notify plugin, which is off.');
        const s = find(args.channel, conversation.channel);
        const m = await deps.builder.build(s, { remember: false });
        const r = await deps.notify.sendNow({ event: 'digest', subject: `digest/${s.channel}`, message: m });
        const parts = [
          r.sent.length ? `sent to ${r.sent.join(', ')}` : '',
          r.waiting.length ? `waiting to be tried again: ${r.waiting.join('; ')}` : '',
          r.failed.length ? `failed: ${r.failed.join('; ')}` : '',
        ].filter(Boolean);
        return [
          m,
          {
            text: parts.length
              ? `Beyond chat: ${esc(parts.join('; '))}.`
              : 'No route of plugins.notify sends digests anywhere: it went to chat only.',
            tone: r.failed.length || r.waiting.length ? 'warn' : parts.length ? 'ok' : 'info',
          },
        ];
      },
    }),
    defineCommand({
      name: 'schedules',
      summary: 'Scheduled digests and sweeps, and when they run next',
      args: z.object({}),
      permission: 'argo.read',
      run: async () => {
        const rows = deps.cfg.schedules.map((s) => [
          s.id,
          s.kind,
          `${s.cron} (${s.timeZone})`,
          s.channel,
          nextRun(nextOf(s), s.timeZone),
        ]);
        if (rows.length === 0)
          return {
            text: 'No schedules. Add plugins.digest.schedules to the configuration.',
            tone: 'info',
            data: { schedules: [] },
          };
        return {
          text: `${rows.length} schedules`,
          header: 'Schedules',
          blocks: [
            { type: 'table', table: { columns: ['id', 'kind', 'when', 'channel', 'next run'], rows } },
          ],
          data: {
            schedules: deps.cfg.schedules.map((s) => ({
              ...s,
              next: nextOf(s)?.toISOString(),
            })),
          },
        };
      },
    }),
    defineCommand({
      name: 'argo mute',
      summary: 'Silence transition alerts for an app for a while',
      args: z.object({ app: z.string(), for: durationArg.describe('how long, e.g. 2h') }),
      positional: ['app', 'for'],
      examples: ['argo mute naver-news 2h'],
      // A mute hides a team's alerts for up to a week: a write, granted only by a binding.
      permission: 'argo.mute',
      effect: 'write',
      run: async ({ args, actor, signal, authorize }) => {
        const r = await deps.argo.resolve(args.app, { signal });
        // Checked again now that the app is known: a binding may be limited to some apps or projects.
        authorize('argo.mute', { app: r.app.metadata.name, project: r.app.spec.project });
        if (args.for > 7 * 86_400_000) throw new InputError('Mute for at most 7 days.');
        const until = await deps.watcher.mute(r.instance, r.app.metadata.name, args.for, actor.id);
        return {
          text: `🔕 Alerts for ${r.ref} are muted until ${new Date(until).toISOString().replace('.000Z', 'Z')}.`,
          tone: 'info',
          data: { muted: { app: r.app.metadata.name, until } },
        };
      },
    }),
    defineCommand({
      name: 'argo unmute',
      summary: 'Let transition alerts for an app through again',
      args: z.object({ app: z.string() }),
      positional: ['app'],
      // Whoever may silence an app may also let its alerts through again.
      permission: 'argo.mute',
      effect: 'write',
      run: async ({ args, signal, authorize }) => {
        const r = await deps.argo.resolve(args.app, { signal });
        authorize('argo.mute', { app: r.app.metadata.name, project: r.app.spec.project });
        const was = await deps.watcher.unmute(r.instance, r.app.metadata.name);
        return {
          text: was ? `🔔 Alerts for ${r.ref} are back on.` : `${r.ref} was not muted.`,
          tone: 'info',
        };
      },
    }),
  ];
}

/**
 * When a schedule runs next, in its own zone and in UTC: `2026-12-07 09:00 Asia/Seoul (00:00 UTC)`.
 * A schedule in UTC says it once.
 */
export function nextRun(at: Date | null | undefined, timeZone: string): string {
  if (!at) return '—';
  const inZone = (tz: string) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone: tz,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(at)
        .map((x) => [x.type, x.value]),
    );
    return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
  };
  const utc = inZone('UTC');
  if (timeZone === 'UTC') return `${utc.day} ${utc.time} UTC`;
  const local = inZone(timeZone);
  const utcPart = local.day === utc.day ? utc.time : `${utc.day} ${utc.time}`;
  return `${local.day} ${local.time} ${timeZone} (${utcPart} UTC)`;
}
