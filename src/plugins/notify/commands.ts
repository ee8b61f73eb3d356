/**
 * `sinks`: where each notification sink sends, what waits, what failed for good; `sinks retry`:
 * send a sink's dead letters again once the receiver or the mail server is mended.
 */
import { z } from 'zod';
import { defineCommand } from '../../core/commands/define.ts';
import type { Clock } from '../../core/clock.ts';
import { InputError } from '../../core/errors.ts';
import { ago } from '../../core/message/time.ts';
import { code, esc } from '../../core/message/markup.ts';
import { plural } from '../../core/text/plural.ts';
import type { Notifier } from './notifier.ts';
import type { Sink } from './sink.ts';

const NONE = {
  text: 'No notification sinks are configured (plugins.notify.sinks); notifications go to chat only.',
  tone: 'info' as const,
};

export function sinkCommands(notifier: Notifier, sinks: Sink[], clock: Clock) {
  return [
    defineCommand({
      name: 'sinks',
      summary: 'The notification sinks: where each sends, what waits, and what failed for good',
      description: 'What failed for good is sent again with `sinks retry <sink> [<id>]`.',
      args: z.object({}),
      permission: 'notify.read',
      examples: ['deckhand sinks'],
      async run() {
        if (!sinks.length) return NONE;
        const now = clock.now();
        const status = await notifier.status();
        const failures = status.flatMap((s) => s.dead.slice(0, 5));
        return {
          text: status
            .map((s) => `${s.sink.name}: ${s.waiting} waiting, ${s.dead.length} failed for good`)
            .join('\n'),
          header: 'Notification sinks',
          blocks: [
            {
              type: 'table' as const,
              table: {
                columns: ['sink', 'kind', 'sends to', 'waiting', 'failed', 'last error'],
                rows: status.map((s) => [
                  s.sink.name,
                  s.sink.kind,
                  esc(s.sink.target),
                  String(s.waiting),
                  String(s.dead.length),
                  esc(s.lastError ?? s.dead[0]?.lastError ?? ''),
                ]),
              },
            },
            ...(failures.length
              ? [
                  {
                    type: 'text' as const,
                    text: failures
                      .map(
                        (d) =>
                          `✖ ${code(d.sink)} ${d.event} ${esc(d.subject)} (${code(d.id)}): ${esc(d.lastError ?? '?')} after ${plural(d.attempts, 'attempt')}, ${ago(d.failedAt, now)}`,
                      )
                      .join('\n'),
                  },
                  {
                    type: 'context' as const,
                    items: ['`sinks retry <sink>` sends them again once the receiver is mended.'],
                  },
                ]
              : []),
          ],
          data: {
            sinks: status.map((s) => ({
              name: s.sink.name,
              kind: s.sink.kind,
              target: s.sink.target,
              waiting: s.waiting,
              failed: s.dead.map((d) => ({
                id: d.id,
                event: d.event,
                subject: d.subject,
                attempts: d.attempts,
                error: d.lastError,
                failedAt: d.failedAt,
                resendable: d.body !== '',
              })),
            })),
          },
        };
      },
    }),
    defineCommand({
      name: 'sinks retry',
      summary: "Send a sink's dead letters again, all or one, once the receiver or mail server is mended",
      description:
        'Each goes back to the outbox under its delivery id and Message-ID (receivers that saw it de-duplicate), with its retries counted afresh. A mail some recipients refused for good goes again to those only. It goes to the recipients it was made for, not to those the configuration names now. A body too large to keep (over 1 MiB as stored) cannot be sent again.',
      args: z.object({
        sink: z.string().describe('the sink, as `sinks` names it'),
        id: z.string().optional().describe('one delivery id, as `sinks` shows it; all of the sink’s without'),
      }),
      positional: ['sink', 'id'],
      examples: [
        'sinks retry hooks',
        {
          line: 'sinks retry mail 0b6f1c1e-4f0e-4bb1-9f51-8a3c2d7e9a10',
          notInDemo: 'the demo world has no dead letter of that id',
        },
      ],
      permission: 'notify.admin',
      effect: 'write',
      async run({ args }) {
        if (!sinks.length) return NONE;
        if (!sinks.some((s) => s.name === args.sink))
          throw new InputError(
            `There is no sink named ${args.sink}; the sinks are ${sinks.map((s) => s.name).join(', ')}.`,
          );
        const r = await notifier.retryDead(args.sink, args.id);
        if (r.unknownId)
          throw new InputError(`${args.sink} has no dead letter ${args.id}; \`sinks\` lists them.`);
        const kept = r.bodiless.length
          ? ` ${plural(r.bodiless.length, 'dead letter')} kept no body to send (kept by an earlier version, or too large to keep) and ${r.bodiless.length === 1 ? 'stays' : 'stay'}.`
          : '';
        return {
          text: r.requeued.length
            ? `↻ ${plural(r.requeued.length, 'dead letter')} of ${args.sink} queued again: ${r.requeued
                .slice(0, 5)
                .map((d) => `${d.event} ${esc(d.subject)}`)
                .join(', ')}${r.requeued.length > 5 ? ', …' : ''}.${kept} \`sinks\` shows how they fare.`
            : `${args.sink} has nothing to send again.${kept}`,
          tone: r.requeued.length ? ('ok' as const) : ('info' as const),
          data: {
            requeued: r.requeued.map((d) => ({ id: d.id, event: d.event, subject: d.subject })),
            kept: r.bodiless.map((d) => ({ id: d.id, error: d.lastError })),
          },
        };
      },
    }),
  ];
}
