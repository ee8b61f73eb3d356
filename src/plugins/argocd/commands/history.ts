import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import type { Clock } from '../../../core/clock.ts';
import { esc, truncate } from '../../../core/message/markup.ts';
import { ago } from '../../../core/message/time.ts';
import type { ArgoService } from '../service.ts';
import { revisionLabel } from '../view/sources.ts';
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
      const v = r.view;
      const history = v.history.slice(0, args.limit);
      if (history.length === 0) return { text: `${r.ref} has no deployment history yet.`, tone: 'info' };
      // The commit behind each deployment: the first Git source that is not only lending files.
      const gitIndex = v.sources.find((s) => s.origin === 'git' && !s.refOnly)?.index;
      const current = v.sources.map((s) => s.revision);
      const metas = await Promise.all(
        history.map((h) => {
          const rev = gitIndex !== undefined ? h.revisions[gitIndex] : undefined;
          return rev ? argo.revisionMetadata(r, rev, signal, gitIndex) : Promise.resolve(undefined);
        }),
      );
      const rows = history.map((h, i) => {
        const m = metas[i];
        const isCurrent = h.revisions.length > 0 && h.revisions.every((rev, j) => rev === current[j]);
        return [
          String(h.id),
          h.deployedAt ? ago(h.deployedAt, clock.now()) : '—',
          h.revisions.map((rev) => revisionLabel(rev)).join(', ') + (isCurrent ? ' (current)' : ''),
          h.initiatedBy ?? '—',
          truncate((m?.message ?? '').split('\n')[0] ?? '', 60),
        ];
      });
      return {
        text: `${r.ref}: ${history.length} deployments, newest ${history[0]?.revisions.map((x) => revisionLabel(x)).join(', ') || '—'}`,
        header: `${r.ref} — history`,
        blocks: [
          {
            type: 'table',
            table: {
              columns: [
                'id',
                'deployed',
                v.multiSource ? 'revisions (per source)' : 'revision',
                'by',
                'commit',
              ],
              rows,
            },
          },
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
            revision: h.revisions[0],
            revisions: h.revisions,
            deployedAt: h.deployedAt,
            initiatedBy: h.initiatedBy,
            message: metas[i]?.message,
            author: metas[i]?.author,
          })),
        },
      };
    },
  });
