import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import type { Clock } from '../../../core/clock.ts';
import { esc, truncate } from '../../../core/message/markup.ts';
import { ago } from '../../../core/message/time.ts';
import { shortSha } from '../render/tone.ts';
import type { ArgoService } from '../service.ts';
import { appArg } from './status.ts';

export const historyCommand = (argo: ArgoService, clock: Clock) =>
  defineCommand({
    name: 'argo history',
    summary: 'The revisions deployed, newest first, with their commits',
    args: z.object({ app: appArg, limit: z.number().int().min(1).max(50).default(10) }),
    positional: ['app'],
    examples: ['argo history naver-news'],
    permission: 'argo.read',
    progress: 'Reading history…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal });
      const history = [...(r.app.status?.history ?? [])].sort((a, b) => b.id - a.id).slice(0, args.limit);
      if (history.length === 0) return { text: `${r.ref} has no deployment history yet.`, tone: 'info' };
      const current = r.app.status?.sync?.revision;
      const metas = await Promise.all(
        history.map((h) =>
          h.revision ? argo.revisionMetadata(r, h.revision, signal) : Promise.resolve(undefined),
        ),
      );
      const rows = history.map((h, i) => {
        const m = metas[i];
        const by = h.initiatedBy?.automated ? 'auto-sync' : (h.initiatedBy?.username ?? '—');
        return [
          String(h.id),
          ago(h.deployedAt, clock.now()),
          shortSha(h.revision ?? h.revisions?.[0]) +
            (h.revision && h.revision === current ? ' (current)' : ''),
          by,
          truncate((m?.message ?? '').split('\n')[0] ?? '', 60),
        ];
      });
      return {
        text: `${r.ref}: ${history.length} deployments, newest ${shortSha(history[0]?.revision)}`,
        header: `${r.ref} — history`,
        blocks: [
          { type: 'table', table: { columns: ['id', 'deployed', 'revision', 'by', 'commit'], rows } },
          {
            type: 'context',
            items: [
              `${esc('argo rollback')} ${esc(r.ref)} <id> returns to one of these (as a revert pull request when auto-sync is on).`,
            ],
          },
        ],
        data: {
          history: history.map((h, i) => ({
            id: h.id,
            revision: h.revision,
            deployedAt: h.deployedAt,
            initiatedBy: h.initiatedBy,
            message: metas[i]?.message,
            author: metas[i]?.author,
          })),
        },
      };
    },
  });
