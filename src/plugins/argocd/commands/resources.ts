import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { truncate } from '../../../core/message/markup.ts';
import type { ArgoService } from '../service.ts';
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
      const tree = await r.client.resourceTree(r.locator, signal);
      const managed = new Map(
        (r.app.status?.resources ?? []).map((res) => [`${res.kind}/${res.namespace ?? ''}/${res.name}`, res]),
      );
      const nodes = (tree.nodes ?? []).filter(
        (n) => args.all || managed.has(`${n.kind}/${n.namespace ?? ''}/${n.name}`),
      );
      // Managed resources missing from the tree (not created yet) still belong in the list.
      const seen = new Set(nodes.map((n) => `${n.kind}/${n.namespace ?? ''}/${n.name}`));
      const rows = [
        ...nodes.map((n) => {
          const m = managed.get(`${n.kind}/${n.namespace ?? ''}/${n.name}`);
          return [
            `${n.kind}/${n.name}`,
            n.namespace ?? '—',
            m?.status ?? '—',
            n.health?.status ?? '—',
            truncate(n.health?.message ?? '', 100),
          ];
        }),
        ...[...managed.entries()]
          .filter(([k]) => !seen.has(k))
          .map(([, m]) => [
            `${m.kind}/${m.name}`,
            m.namespace ?? '—',
            m.status ?? '—',
            m.health?.status ?? 'Missing',
            truncate(m.health?.message ?? '', 100),
          ]),
      ];
      return {
        text: `${r.ref}: ${rows.length} resources`,
        header: `${r.ref} — resources`,
        blocks: [
          { type: 'table', table: { columns: ['resource', 'namespace', 'sync', 'health', 'message'], rows } },
        ],
        data: {
          resources: rows.map(([resource, namespace, sync, health, message]) => ({
            resource,
            namespace,
            sync,
            health,
            message,
          })),
        },
      };
    },
  });
