/**
 * `/deckhand audit`: who did what, where, with what result — from the audit trail. `--kind llm`
 * also shows what was sent to the language model (masked, as it left) and what came back.
 * AUDIT_KINDS is the one list of kinds: the `--kind` choices and the generated docs come from it.
 */
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { defineCommand } from '../commands/define.ts';
import { truncate } from '../message/markup.ts';
import { ago } from '../message/time.ts';
import type { Block } from '../message/model.ts';
import type { AuditEntry, AuditLog } from '../store/types.ts';

/** Every kind of entry something writes to the trail, with what one entry is. */
export const AUDIT_KINDS = {
  command: 'a command someone ran',
  action: 'a button someone pressed',
  'pull-request': 'a pull request deckhand opened, found, withdrew or saw rejected',
  approval: 'an approval that completed its policy: carried out, resumed or queued to merge when ready',
  merge: 'a pull request deckhand merged',
  remediation: 'a step of an automatic remediation',
  webhook: 'a webhook delivery, accepted or refused (with why)',
  incident: 'an incident opened, repeated, resolved or reopened by Alertmanager',
  schedule: 'a scheduled digest or sweep run, with its outcome',
  llm: 'a request to the language model and its answer',
} as const;

export type AuditKind = keyof typeof AUDIT_KINDS;

const kindNames = Object.keys(AUDIT_KINDS) as [AuditKind, ...AuditKind[]];

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
    description: [
      'The audit trail: who did what, where, with what result. Kinds (`--kind`):',
      '',
      ...Object.entries(AUDIT_KINDS).map(([k, what]) => `- \`${k}\`: ${what}`),
    ].join('\n'),
    args: z.object({
      app: z.string().optional().describe('only this application'),
      user: z.string().optional().describe('only this identity'),
      kind: z.enum(kindNames).optional(),
      since: since.describe('how far back, e.g. 24h or 7d'),
      limit: z.number().int().min(1).max(200).default(30),
    }),
    examples: [
      'deckhand audit',
      'deckhand audit --app naver-news --since 7d',
      'deckhand audit --user bob --kind merge',
      'deckhand audit --kind llm --app naver-news',
      'deckhand audit --kind webhook --since 1h',
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
                what(e),
                e.app ?? '—',
                outcomeOf(e),
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

/** The kind and name, with the alert an incident entry is about. */
function what(e: AuditEntry): string {
  const alert = e.kind === 'incident' ? e.detail?.alertname : undefined;
  return truncate(`${e.kind} ${e.name}${typeof alert === 'string' ? ` ${alert}` : ''}`, 60);
}

/** The outcome, with why when the entry says (a refused delivery, a failed schedule run). */
function outcomeOf(e: AuditEntry): string {
  const why = e.detail?.reason;
  return typeof why === 'string' ? `${e.outcome}: ${truncate(why, 80)}` : e.outcome;
}

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
