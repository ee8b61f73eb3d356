import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { truncate } from '../../../core/message/markup.ts';
import type { Block } from '../../../core/message/model.ts';
import type { ArgoService } from '../service.ts';
import { healthOf } from '../view/app-view.ts';
import { readTree, resourceKey, withTreeHealth } from '../view/tree.ts';
import { appArg } from './status.ts';

export const resourcesCommand = (argo: ArgoService) =>
  defineCommand({
    name: 'argo resources',
    summary: 'The resources of an application with their sync and health',
    args: z.object({
      app: appArg,
      all: z.boolean().default(false).describe('include pods and replica sets'),
    }),
    positional: ['app'],
    examples: ['argo resources naver-news', 'argo resources naver-news --all'],
    permission: 'argo.read',
    progress: 'Reading the resource tree…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal });
      const notes: string[] = [];
      const nodes = await r.client
        .resourceTree(r.locator, signal)
        .then(readTree)
        .catch((e: Error) => {
          notes.push(
            `The resource tree could not be read (${e.message}); health is as the application last reported it.`,
          );
          return [];
        });
      // Managed resources with the health the tree holds (Argo CD 3.x keeps it only there).
      const managed = withTreeHealth(r.view.resources, nodes).map((m) => {
        // Argo CD does not assess an Application resource's health by default (since 1.8): an App
        // of Apps parent shows its children's own health, read from the same instance.
        if (m.health || m.kind !== 'Application' || m.group !== 'argoproj.io') return m;
        const child = argo.peek(r.instance, m.name, m.namespace);
        return child
          ? { ...m, health: { status: healthOf(child), message: '(the child application’s own health)' } }
          : m;
      });
      const managedKeys = new Set(managed.map(resourceKey));
      const unmanaged = nodes.filter((n) => !managedKeys.has(resourceKey(n)));
      const extra = args.all ? unmanaged : [];
      const rows = [
        ...managed.map((m) => [
          `${m.kind}/${m.name}`,
          m.namespace ?? '—',
          m.requiresPruning ? 'to prune' : (m.sync ?? '—'),
          m.health?.status ?? '—',
          truncate(m.health?.message ?? '', 100),
        ]),
        ...extra.map((n) => [
          `${n.kind}/${n.name}`,
          n.namespace ?? '—',
          '—',
          n.health?.status ?? '—',
          truncate(n.health?.message ?? '', 100),
        ]),
      ];
      const blocks: Block[] = [
        { type: 'table', table: { columns: ['resource', 'namespace', 'sync', 'health', 'message'], rows } },
      ];
      if (!args.all && unmanaged.length)
        blocks.push({
          type: 'context',
          items: [`${unmanaged.length} more in the tree (pods, replica sets, …): add --all`],
        });
      if (notes.length) blocks.push({ type: 'context', items: notes });
      return {
        text: `${r.ref}: ${rows.length} resource${rows.length === 1 ? '' : 's'}`,
        header: `${r.ref} — resources`,
        tone: notes.length ? 'warn' : undefined,
        blocks,
        data: {
          resources: rows.map(([resource, namespace, sync, health, message]) => ({
            resource,
            namespace,
            sync,
            health,
            message,
          })),
          notes,
        },
      };
    },
  });
