import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import type { Clock } from '../../../core/clock.ts';
import { statusCard } from '../render/status-card.ts';
import type { ArgoService } from '../service.ts';

export const appArg = z.string().describe('application: name, namespace/name or name@instance');

export const statusCommand = (argo: ArgoService, clock: Clock) =>
  defineCommand({
    name: 'argo status',
    summary: 'Sync, health, revision, images and what is wrong, in one card',
    args: z.object({
      app: appArg,
      refresh: z.boolean().default(false).describe('read it fresh from Argo CD'),
    }),
    positional: ['app'],
    examples: ['argo status naver-news', 'argo status payments/api@prod --refresh'],
    permission: 'argo.read',
    progress: 'Reading Argo CD…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal, fresh: args.refresh });
      const revision = r.app.status?.sync?.revision ?? r.app.status?.sync?.revisions?.[0];
      const meta = revision ? await argo.revisionMetadata(r, revision, signal) : undefined;
      return statusCard(r, meta, clock.now());
    },
  });
