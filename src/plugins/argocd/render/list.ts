/** `/argo list`: counts first, then a compact, paged table. */
import { bold, code } from '../../../core/message/markup.ts';
import type { Block, Message } from '../../../core/message/model.ts';
import type { Application } from '../types.ts';
import { at } from '../view/read.ts';
import { healthOf, syncOf } from '../view/app-view.ts';
import { revisionLabel } from '../view/sources.ts';
import { stateWord } from './tone.ts';

/** The first revision Argo CD compared against, with how many more a multi-source app has. */
function revisionOf(app: Application): { first?: string; label: string } {
  const many = at(app, 'status', 'sync', 'revisions');
  const revs = Array.isArray(many) ? many.filter((x): x is string => typeof x === 'string' && !!x) : [];
  const one = at(app, 'status', 'sync', 'revision');
  const first = typeof one === 'string' && one ? one : revs[0];
  return { first, label: revisionLabel(first) + (revs.length > 1 ? ` +${revs.length - 1}` : '') };
}

const strAt = (app: Application, ...path: string[]): string | undefined => {
  const v = at(app, ...path);
  return typeof v === 'string' && v ? v : undefined;
};
const projectOf = (app: Application) => strAt(app, 'spec', 'project') ?? 'default';
/** `name`, or `namespace/name` for apps outside the control plane's namespace. */
const nameOf = (app: Application) => {
  const ns = strAt(app, 'metadata', 'namespace');
  return `${ns && ns !== 'argocd' ? `${ns}/` : ''}${strAt(app, 'metadata', 'name') ?? '(unnamed)'}`;
};

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
      text: `${bold(summary)}\nHealth: ${health.map(([k, n]) => `${stateWord(k)} ${n}`).join(' · ') || '—'}\nSync: ${sync.map(([k, n]) => `${stateWord(k)} ${n}`).join(' · ') || '—'}`,
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
          nameOf(r.app),
          stateWord(syncOf(r.app)),
          stateWord(healthOf(r.app)),
          projectOf(r.app),
          revisionOf(r.app).label,
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
    text: `${summary}: ${health.map(([k, n]) => `${n} ${stateWord(k)}`).join(', ')}`,
    header: 'Applications',
    tone: opts.failures.length ? 'warn' : rows.some((r) => healthOf(r.app) === 'Degraded') ? 'danger' : 'ok',
    blocks,
    data: {
      total: rows.length,
      page,
      pages,
      counts: { health: Object.fromEntries(health), sync: Object.fromEntries(sync) },
      apps: shown.map((r) => ({
        name: strAt(r.app, 'metadata', 'name'),
        namespace: strAt(r.app, 'metadata', 'namespace'),
        instance: r.instance,
        project: projectOf(r.app),
        sync: syncOf(r.app),
        health: healthOf(r.app),
        revision: revisionOf(r.app).first,
      })),
      failures: opts.failures,
    },
  };
}
