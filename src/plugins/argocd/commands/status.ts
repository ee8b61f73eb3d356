import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import type { Clock } from '../../../core/clock.ts';
import { statusCard } from '../render/status-card.ts';
import type { ArgoService } from '../service.ts';
import type { RevisionMetadata } from '../types.ts';
import { readTree, withTreeHealth } from '../view/tree.ts';
import { at } from '../view/read.ts';

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
    examples: ['argo status naver-news', 'argo status argocd/naver-news@default --refresh'],
    permission: 'argo.read',
    progress: 'Reading Argo CD…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal, fresh: args.refresh });
      const v = r.view;
      const notes: string[] = [];
      // Argo CD 3.x keeps per-resource health in the tree (resourceHealthSource: appTree) and the
      // API fills it back in on Get and Watch only; a listed copy needs the tree.
      const needTree =
        at(r.app, 'status', 'resourceHealthSource') === 'appTree' && v.resources.some((x) => !x.health);
      const [tree, ...metas] = await Promise.all([
        needTree
          ? r.client.resourceTree(r.locator, signal).catch((e: Error) => {
              notes.push(`per-resource health (${e.message})`);
              return undefined;
            })
          : Promise.resolve(undefined),
        ...v.sources.map((s) =>
          s.origin === 'git' && s.revision && !s.refOnly
            ? argo.revisionMetadata(r, s.revision, signal, s.index)
            : Promise.resolve(undefined),
        ),
      ]);
      const commits = new Map<number, RevisionMetadata>();
      metas.forEach((m, i) => m && commits.set(i, m as RevisionMetadata));
      return statusCard({
        ref: r.ref,
        instance: r.instance,
        view: v,
        resources: tree ? withTreeHealth(v.resources, readTree(tree)) : v.resources,
        commits,
        links: argo.links,
        appUrl: r.client.appUrl(r.locator),
        cached: r.cached,
        notes,
        now: clock.now(),
      });
    },
  });
