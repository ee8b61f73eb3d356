/**
 * `/deckhand audit`: who did what, where, with what result — from the audit trail. `--kind llm`
 * also shows what was sent to the language model (masked, as it left) and what came back.
 */
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { defineCommand } from '../commands/define.ts';
import { truncate } from '../message/markup.ts';
import { ago } from '../message/time.ts';
import type { Block } from '../message/model.ts';
import type { AuditEntry, AuditLog } from '../store/types.ts';

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
      kind: z
        .enum(['command', 'action', 'pull-request', 'merge', 'remediation', 'webhook', 'llm'])
        .optional(),
      since: since.describe('how far back, e.g. 24h or 7d'),
      limit: z.number().int().min(1).max(200).default(30),
    }),
    examples: [
      'deckhand audit',
      'deckhand audit --app naver-news --since 7d',
      'deckhand audit --user bob --kind merge',
      'deckhand audit --kind llm --app naver-news',
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
          ...entries
            .filter((e) => e.kind === 'llm')
            .slice(0, 5)
            .map(llmBlock),
        ],
        data: { entries },
      };
    },
  });

/** One request to the model as it was sent: the user prompt (the system prompt is fixed text). */
function llmBlock(e: AuditEntry): Block {
  const d = (e.detail ?? {}) as { user?: unknown; answer?: unknown; endpoint?: unknown };
  const answer = d.answer === undefined ? 'no answer' : JSON.stringify(d.answer);
  return {
    type: 'code',
    title: `${e.app ?? '—'} → ${e.name} (${String(d.endpoint ?? '')}): ${e.outcome}`,
    code: truncate(`${String(d.user ?? '')}\n\n← ${answer}`, 2_500),
  };
}
