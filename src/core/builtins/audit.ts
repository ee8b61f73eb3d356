/** `/deckhand audit`: who did what, where, with what result — from the audit trail. */
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { defineCommand } from '../commands/define.ts';
import { truncate } from '../message/markup.ts';
import { ago } from '../message/time.ts';
import type { AuditLog } from '../store/types.ts';

const since = z
  .string()
  .regex(/^\d+[mhd]$/, 'a duration like 30m, 24h or 7d')
  .default('24h')
  .transform(
    (s) =>
      Number(s.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[s.slice(-1) as 'm' | 'h' | 'd'],
  );

export const auditCommand = (audit: AuditLog, clock: Clock) =>
  defineCommand({
    name: 'audit',
    summary: 'The audit trail: commands, button presses, pull requests, merges, remediations',
    args: z.object({
      app: z.string().optional().describe('only this application'),
      user: z.string().optional().describe('only this identity'),
      kind: z.enum(['command', 'action', 'pull-request', 'merge', 'remediation', 'webhook']).optional(),
      since: since.describe('how far back, e.g. 24h or 7d'),
      limit: z.number().int().min(1).max(200).default(30),
    }),
    examples: [
      'deckhand audit',
      'deckhand audit --app naver-news --since 7d',
      'deckhand audit --user bob --kind merge',
    ],
    permission: 'deckhand.audit',
    async run({ args }) {
      const from = clock.now() - args.since;
      const entries = await audit.query({
        app: args.app,
        actor: args.user,
        kind: args.kind,
        since: from,
        limit: args.limit,
      });
      if (entries.length === 0)
        return { text: 'Nothing in the audit trail for that.', tone: 'info', data: { entries: [] } };
      const now = clock.now();
      return {
        text: `${entries.length} audit entries`,
        header: 'Audit trail',
        blocks: [
          {
            type: 'table',
            table: {
              columns: ['when', 'who', 'what', 'app', 'outcome'],
              rows: entries.map((e) => [
                ago(e.ts, now),
                `${e.actor} (${e.platform})`,
                `${e.kind} ${truncate(e.name, 40)}`,
                e.app ?? '—',
                e.outcome,
              ]),
            },
          },
        ],
        data: { entries },
      };
    },
  });
