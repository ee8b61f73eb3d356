import { z } from 'zod';
import type { Clock } from '../../../core/clock.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import { truncate } from '../../../core/message/markup.ts';
import { duration } from '../../../core/message/time.ts';
import type { ArgoService } from '../../argocd/index.ts';
import type { AppCollector } from '../collector.ts';
import { appArg } from './pods.ts';

const eventTime = (e: {
  lastTimestamp?: Date;
  eventTime?: Date;
  firstTimestamp?: Date;
  metadata?: { creationTimestamp?: Date };
}) =>
  new Date(
    e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? 0,
  ).getTime();

export const eventsCommand = (argo: ArgoService, collector: AppCollector, clock: Clock) =>
  defineCommand({
    name: 'k8s events',
    summary: 'Recent events about the objects of an application',
    args: z.object({
      app: appArg,
      warnings: z.boolean().default(false).describe('only Warning events'),
      limit: z.number().int().min(1).max(200).default(25),
    }),
    positional: ['app'],
    examples: ['k8s events naver-news', 'k8s events naver-news --warnings'],
    permission: 'k8s.read',
    progress: 'Reading events…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal });
      const snap = await collector.collect(r, signal);
      const now = clock.now();
      const events = [...snap.events, ...snap.appEvents]
        .filter((e) => !args.warnings || e.type === 'Warning')
        .sort((a, b) => eventTime(b) - eventTime(a));
      const shown = events.slice(0, args.limit);
      const rows = shown.map((e) => [
        duration(now - eventTime(e)),
        e.type ?? '',
        e.reason ?? '',
        `${(e.involvedObject.kind ?? '').toLowerCase()}/${e.involvedObject.name ?? ''}`,
        truncate((e.count && e.count > 1 ? `(x${e.count}) ` : '') + (e.message ?? ''), 200),
      ]);
      return {
        text: `${r.ref}: ${events.length} events${args.warnings ? ' (warnings)' : ''}`,
        header: `${r.ref} — events`,
        tone: events.some((e) => e.type === 'Warning') ? 'warn' : 'info',
        blocks: [
          ...(rows.length
            ? [
                {
                  type: 'table' as const,
                  table: { columns: ['last seen', 'type', 'reason', 'object', 'message'], rows },
                },
              ]
            : [{ type: 'text' as const, text: 'No events (Kubernetes keeps them about an hour).' }]),
          ...(events.length > shown.length
            ? [{ type: 'context' as const, items: [`… ${events.length - shown.length} older`] }]
            : []),
          ...(snap.gaps.length
            ? [{ type: 'context' as const, items: snap.gaps.map((g) => `⚠️ ${g.message}`) }]
            : []),
        ],
        data: {
          events: shown.map((e) => ({
            type: e.type,
            reason: e.reason,
            object: {
              kind: e.involvedObject.kind,
              name: e.involvedObject.name,
              namespace: e.involvedObject.namespace,
            },
            message: e.message,
            count: e.count,
            lastSeen: new Date(eventTime(e)).toISOString(),
          })),
        },
      };
    },
  });
