/** `/argo list`: counts first, then a compact, paged table. */
import { code } from '../../../core/message/markup.ts';
import type { Block, Message } from '../../../core/message/model.ts';
import type { Application } from '../types.ts';
import { healthOf, shortSha, syncOf } from './tone.ts';

export interface ListRow {
  instance: string;
  app: Application;
}

const countBy = (rows: ListRow[], f: (a: Application) => string) => {
  const m = new Map<string, number>();
  for (const r of rows) m.set(f(r.app), (m.get(f(r.app)) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1]);
};

export function listMessage(
  rows: ListRow[],
  opts: {
    page: number;
    pageSize: number;
    multiInstance: boolean;
    filters: string;
    failures: string[];
    total: number;
  },
): Message {
  const pages = Math.max(1, Math.ceil(rows.length / opts.pageSize));
  const page = Math.min(Math.max(1, opts.page), pages);
  const shown = rows.slice((page - 1) * opts.pageSize, page * opts.pageSize);
  const health = countBy(rows, healthOf);
  const sync = countBy(rows, syncOf);
  const summary =
    `${rows.length} app${rows.length === 1 ? '' : 's'}${opts.filters ? ` matching ${opts.filters}` : ''}` +
    (rows.length !== opts.total ? ` (of ${opts.total})` : '');
  const blocks: Block[] = [
    {
      type: 'text',
      text: `**${summary}**\nHealth: ${health.map(([k, n]) => `${k} ${n}`).join(' · ') || '—'}\nSync: ${sync.map(([k, n]) => `${k} ${n}`).join(' · ') || '—'}`,
    },
  ];
  if (shown.length) {
    const columns = [
      'app',
      'sync',
      'health',
      'project',
      'revision',
      ...(opts.multiInstance ? ['instance'] : []),
    ];
    blocks.push({
      type: 'table',
      table: {
        columns,
        rows: shown.map((r) => [
          `${r.app.metadata.namespace && r.app.metadata.namespace !== 'argocd' ? `${r.app.metadata.namespace}/` : ''}${r.app.metadata.name}`,
          syncOf(r.app),
          healthOf(r.app),
          r.app.spec.project,
          shortSha(r.app.status?.sync?.revision),
          ...(opts.multiInstance ? [r.instance] : []),
        ]),
      },
    });
  }
  const context = [];
  if (pages > 1)
    context.push(
      `page ${page}/${pages} — ${code(`argo list … --page ${Math.min(page + 1, pages)}`)} for more`,
    );
  for (const f of opts.failures) context.push(`⚠️ ${f}`);
  if (context.length) blocks.push({ type: 'context', items: context });
  return {
    text: `${summary}: ${health.map(([k, n]) => `${n} ${k}`).join(', ')}`,
    header: 'Applications',
    tone: opts.failures.length ? 'warn' : rows.some((r) => healthOf(r.app) === 'Degraded') ? 'danger' : 'ok',
    blocks,
    data: {
      total: rows.length,
      page,
      pages,
      counts: { health: Object.fromEntries(health), sync: Object.fromEntries(sync) },
      apps: shown.map((r) => ({
        name: r.app.metadata.name,
        namespace: r.app.metadata.namespace,
        instance: r.instance,
        project: r.app.spec.project,
        sync: syncOf(r.app),
        health: healthOf(r.app),
        revision: r.app.status?.sync?.revision,
      })),
      failures: opts.failures,
    },
  };
}
