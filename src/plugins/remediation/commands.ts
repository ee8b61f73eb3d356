/** `/remediation pause|resume|status`: the kill switch and what the rules have been doing. */
import { z } from 'zod';
import type { Clock } from '../../core/clock.ts';
import { defineCommand } from '../../core/commands/define.ts';
import { code, esc } from '../../core/message/markup.ts';
import type { Message } from '../../core/message/model.ts';
import { ago, duration } from '../../core/message/time.ts';
import type { RuleAction } from './config.ts';
import type { Guardrails } from './guardrails.ts';
import type { Remediator } from './remediator.ts';

const PERMISSION = 'remediation.admin';

export function describeAction(a: RuleAction): string {
  switch (a.kind) {
    case 'resources':
      return `${a.resource} limit ${a.factor ? `×${a.factor}` : `+${a.step}`}, max ${a.max}${a.requests ? ' (and requests)' : ''}`;
    case 'replicas':
      return `replicas ${a.step > 0 ? '+' : ''}${a.step} within ${a.min}–${a.max}`;
    case 'restart':
      return 'restart through Git';
    case 'image-revert':
      return 'back to the image that ran before';
  }
}

export async function statusMessage(rem: Remediator, guardrails: Guardrails, now: number): Promise<Message> {
  const cfg = rem.config;
  const paused = await guardrails.paused();
  const day = await guardrails.recent();
  const hour = day.filter((c) => c.at >= now - 3_600_000);
  const held = await rem.heldApps();
  const apps = [...new Set(day.map((c) => c.app))].sort();
  const appRows = apps.map((app) => {
    const mine = day.filter((c) => c.app === app);
    const last = mine[0];
    const cooldowns = [...new Set(mine.map((c) => c.action))].flatMap((action) => {
      const at = mine.find((c) => c.action === action)?.at ?? 0;
      const wait = Math.max(
        0,
        ...cfg.rules.filter((r) => r.action.kind === action).map((r) => at + r.cooldown - now),
      );
      return wait > 0 ? [`${action} ${duration(wait)}`] : [];
    });
    return {
      app,
      changes: mine.length,
      last: last
        ? { action: last.action, rule: last.rule, state: last.state, pr: last.pr, at: last.at }
        : undefined,
      cooldowns,
    };
  });
  const w = cfg.guardrails.window;
  const switchLine = paused
    ? `⏸ **paused** by ${esc(paused.by)} ${ago(paused.at, now)} — every automatic action is held`
    : '▶️ on — rules act within their guardrails';
  return {
    text: `Remediation: ${paused ? `paused by ${paused.by}` : 'on'}${cfg.dryRun ? ' (dry run)' : ''}, ${cfg.rules.length} rule${cfg.rules.length === 1 ? '' : 's'}, ${hour.length} automatic change${hour.length === 1 ? '' : 's'} in the last hour`,
    header: 'Remediation',
    tone: paused ? 'warn' : 'info',
    blocks: [
      { type: 'text', text: switchLine },
      {
        type: 'fields',
        fields: [
          { label: 'Dry run', value: cfg.dryRun ? 'yes — nothing is opened or merged' : 'no', short: true },
          {
            label: 'Window',
            value: w ? `${w.days.join(',')} ${w.from}–${w.to} ${w.timeZone}` : 'any time',
            short: true,
          },
          {
            label: 'Last hour (all apps)',
            value: `${hour.length}/${cfg.guardrails.maxPerHour} automatic changes`,
            short: true,
          },
          { label: 'Per app per day', value: `at most ${cfg.guardrails.maxPerAppPerDay}`, short: true },
        ],
      },
      cfg.rules.length
        ? {
            type: 'table',
            title: 'Rules (the first that matches decides)',
            table: {
              columns: ['rule', 'matches', 'action', 'mode', 'cooldown'],
              rows: cfg.rules.map((r) => [
                r.name,
                [
                  r.match.categories.join(','),
                  ...(r.match.apps ? [`apps ${r.match.apps.join(',')}`] : []),
                  ...(r.match.projects ? [`projects ${r.match.projects.join(',')}`] : []),
                  ...(r.match.namespaces ? [`ns ${r.match.namespaces.join(',')}`] : []),
                  ...(r.match.alerts ? [`alerts ${r.match.alerts.join(',')}`] : []),
                ].join(' '),
                describeAction(r.action),
                r.mode + (r.revertOnFailure ? ' +revert' : ''),
                duration(r.cooldown),
              ]),
            },
          }
        : { type: 'text', text: 'No rules: add them under `plugins.remediation.rules`.' },
      ...(appRows.length
        ? [
            {
              type: 'table' as const,
              title: 'Automatic changes in the last 24 h',
              table: {
                columns: ['app', 'changes', 'last', 'cooldown left'],
                rows: appRows.map((a) => [
                  a.app,
                  String(a.changes),
                  a.last
                    ? `${a.last.action}${a.last.pr ? ` #${a.last.pr}` : ''} (${a.last.rule}) ${a.last.state}, ${ago(a.last.at, now)}`
                    : '—',
                  a.cooldowns.join(', ') || '—',
                ]),
                align: ['left', 'right', 'left', 'left'] as ('left' | 'right')[],
              },
            },
          ]
        : []),
      ...(held.length
        ? [
            {
              type: 'context' as const,
              items: [
                `Held by the kill switch, looked at again on resume: ${held.map((h) => code(h.app)).join(', ')}`,
              ],
            },
          ]
        : []),
    ],
    data: {
      remediation: {
        paused: paused ?? null,
        dryRun: cfg.dryRun,
        rules: cfg.rules.map((r) => ({ name: r.name, mode: r.mode, action: r.action, match: r.match })),
        lastHour: hour.length,
        apps: appRows,
        held: held.map((h) => h.app),
      },
    },
  };
}

export function remediationCommands(rem: Remediator, guardrails: Guardrails, clock: Clock) {
  return [
    defineCommand({
      name: 'remediation pause',
      summary: 'Kill switch: hold every automatic remediation until resumed',
      description:
        'Kill switch: rules in propose and auto mode stop acting (suggestions still appear); what they hold back is said in each incident thread, with the manual path, and looked at again on resume.',
      args: z.object({}),
      examples: ['remediation pause'],
      permission: PERMISSION,
      effect: 'write',
      async run({ actor, conversation }) {
        const { already } = await rem.pause(actor, conversation);
        if (already)
          return {
            text: `Automatic remediation was already paused by ${already.by} ${ago(already.at, clock.now())}.`,
            tone: 'info',
            data: { remediation: { paused: already } },
          };
        return {
          text: `⏸ Automatic remediation is paused (kill switch). Rules hold every automatic action and say so in the incident thread; \`remediation resume\` lets them go.`,
          tone: 'warn',
          data: { remediation: { paused: { by: actor.id } } },
        };
      },
    }),
    defineCommand({
      name: 'remediation resume',
      summary: 'Lift the kill switch; with an app, let rules act on it again after a failed change',
      description:
        'Without an app: lift the kill switch; incidents it held back that still fire are diagnosed again and decided. With an app: a person has looked at it after an automatic change that did not make it Healthy, and rules may act on it again.',
      args: z.object({
        app: z.string().optional().describe('an app whose failed automatic change a person has looked at'),
      }),
      positional: ['app'],
      examples: ['remediation resume', 'remediation resume naver-news'],
      permission: PERMISSION,
      effect: 'write',
      async run({ actor, conversation, args }) {
        const res = await rem.resume(actor, conversation, args.app);
        if (args.app)
          return {
            text: res.acknowledged
              ? `▶️ Rules may act on ${args.app} again (${res.acknowledged} failed automatic change${res.acknowledged === 1 ? '' : 's'} acknowledged).`
              : `${args.app} had no failed automatic change to acknowledge.`,
            tone: 'info',
            data: { remediation: { app: args.app, acknowledged: res.acknowledged } },
          };
        const released = res.released.length
          ? ` Looking again at what it held back: ${res.released.join(', ')}.`
          : '';
        return {
          text: res.wasPaused
            ? `▶️ Automatic remediation resumed.${released}`
            : `Automatic remediation was not paused.${released}`,
          tone: 'ok',
          data: { remediation: { paused: null, released: res.released } },
        };
      },
    }),
    defineCommand({
      name: 'remediation status',
      summary: 'Rules, modes, the kill switch, counters and cooldowns of automatic remediation',
      args: z.object({}),
      examples: ['remediation status'],
      permission: PERMISSION,
      effect: 'read',
      run: () => statusMessage(rem, guardrails, clock.now()),
    }),
  ];
}
