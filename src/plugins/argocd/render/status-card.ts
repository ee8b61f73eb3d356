/**
 * `/argo status`: everything about one application in one card — sync and revision (with the
 * commit), health and why, the last operation, the images that run, what is not synced or not
 * healthy, conditions, and links.
 */
import { bold, code, esc, link, truncate } from '../../../core/message/markup.ts';
import type { Block, Button, Field, Message } from '../../../core/message/model.ts';
import { ago } from '../../../core/message/time.ts';
import type { ResolvedApp } from '../service.ts';
import { isAutoSync, type Application, type RevisionMetadata } from '../types.ts';
import { commitWebUrl, sourceWebUrl } from './links.ts';
import { appTone, healthLabel, healthOf, shortSha, syncLabel, syncOf } from './tone.ts';

const UPDATER = 'argocd-image-updater.argoproj.io';

/** Image Updater's `argocd` write-back keeps the image in the Application, not in Git. */
export function imageUpdaterOverride(app: Application): boolean {
  const a = app.metadata.annotations ?? {};
  if (!a[`${UPDATER}/image-list`]) return false;
  const method = a[`${UPDATER}/write-back-method`] ?? 'argocd';
  return method.trim().startsWith('argocd');
}

function sourceLine(app: Application): string {
  const s = app.spec.source ?? app.spec.sources?.[0];
  if (!s) return '—';
  if (s.chart) return `chart ${code(`${s.chart}@${s.targetRevision ?? 'latest'}`)} from ${esc(s.repoURL)}`;
  const url = sourceWebUrl(s.repoURL, s.targetRevision, s.path);
  const label = `${s.repoURL.replace(/^https?:\/\//, '').replace(/\.git$/, '')}/${s.path ?? ''}@${s.targetRevision ?? 'HEAD'}`;
  return url ? link(label, url) : code(label);
}

export function statusCard(r: ResolvedApp, meta: RevisionMetadata | undefined, now: number): Message {
  const { app } = r;
  const st = app.status ?? {};
  const health = healthOf(app);
  const sync = syncOf(app);
  const revision = st.sync?.revision ?? st.sync?.revisions?.[0];
  const repo = app.spec.source?.repoURL ?? app.spec.sources?.[0]?.repoURL;
  const op = st.operationState;

  const fields: Field[] = [
    { label: 'Sync', value: syncLabel(sync), short: true },
    { label: 'Health', value: healthLabel(health), short: true },
  ];
  const commitUrl = revision && repo ? commitWebUrl(repo, revision) : undefined;
  let rev = revision ? (commitUrl ? link(shortSha(revision), commitUrl) : code(shortSha(revision))) : '—';
  if (meta?.message) rev += ` ${esc(truncate(meta.message.split('\n')[0] ?? '', 72))}`;
  if (meta?.author) rev += ` — ${esc(meta.author.replace(/\s*<[^>]*>/, ''))}`;
  if (meta?.date) rev += `, ${ago(meta.date, now)}`;
  fields.push({ label: 'Revision', value: rev });
  if (health !== 'Healthy' && st.health?.message)
    fields.push({ label: 'Health message', value: esc(st.health.message) });
  if (op) {
    const who = op.operation.initiatedBy?.automated
      ? 'auto-sync'
      : (op.operation.initiatedBy?.username ?? 'someone');
    const when = ago(op.finishedAt ?? op.startedAt, now);
    fields.push({
      label: 'Last operation',
      value: `${bold(op.phase)} ${when} by ${esc(who)}${op.message ? ` — ${esc(truncate(op.message, 300))}` : ''}`,
    });
  }
  fields.push(
    { label: 'Project', value: esc(app.spec.project), short: true },
    {
      label: 'Destination',
      value: esc(
        `${app.spec.destination.name ?? app.spec.destination.server ?? '?'} / ${app.spec.destination.namespace ?? '—'}`,
      ),
      short: true,
    },
    { label: 'Source', value: sourceLine(app) },
    {
      label: 'Auto-sync',
      value: isAutoSync(app)
        ? `on${app.spec.syncPolicy?.automated?.prune ? ', prune' : ''}${app.spec.syncPolicy?.automated?.selfHeal ? ', self-heal' : ''}`
        : 'off',
      short: true,
    },
  );

  const blocks: Block[] = [{ type: 'fields', fields }];
  const images = st.summary?.images ?? [];
  if (images.length) {
    let text = `${bold('Images')}\n${images.map((i) => code(i)).join('\n')}`;
    if (imageUpdaterOverride(app)) {
      text +=
        '\n⚠️ Argo CD Image Updater sets these images on the Application (write-back `argocd`): they come from an Argo CD override, not from Git, and a sync from Git can undo them.';
    }
    blocks.push({ type: 'text', text });
  }
  const troubled = (st.resources ?? []).filter(
    (res) =>
      (res.status && res.status !== 'Synced') || (res.health?.status && res.health.status !== 'Healthy'),
  );
  if (troubled.length) {
    const shown = troubled.slice(0, 12);
    blocks.push({
      type: 'table',
      title: `Not synced or not healthy (${troubled.length})`,
      table: {
        columns: ['resource', 'sync', 'health', 'message'],
        rows: shown.map((res) => [
          `${res.kind}/${res.name}`,
          res.status ?? '—',
          res.health?.status ?? '—',
          truncate(res.health?.message ?? '', 120),
        ]),
      },
    });
    if (troubled.length > shown.length)
      blocks.push({ type: 'context', items: [`… ${troubled.length - shown.length} more`] });
  }
  if (st.conditions?.length) {
    blocks.push({
      type: 'text',
      text: `${bold('Conditions')}\n${st.conditions.map((c) => `• ${bold(c.type)}: ${esc(truncate(c.message, 300))}`).join('\n')}`,
    });
  }
  blocks.push({
    type: 'context',
    items: [
      `Argo CD ${esc(r.instance)}`,
      r.cached ? 'from the live cache' : 'read just now',
      ...(st.reconciledAt ? [`reconciled ${ago(st.reconciledAt, now)}`] : []),
    ],
  });
  const buttons: Button[] = [{ label: 'Open in Argo CD', url: r.client.appUrl(r.locator) }];
  const srcUrl = repo
    ? sourceWebUrl(repo, app.spec.source?.targetRevision, app.spec.source?.path)
    : undefined;
  if (srcUrl) buttons.push({ label: 'Source', url: srcUrl });

  return {
    text: `${r.ref}: ${sync}, ${health}${revision ? ` at ${shortSha(revision)}` : ''}`,
    header: r.ref,
    tone: appTone(app),
    blocks,
    buttons,
    data: {
      app: {
        name: app.metadata.name,
        namespace: app.metadata.namespace,
        instance: r.instance,
        project: app.spec.project,
        sync,
        health,
        healthMessage: st.health?.message,
        revision,
        commit: meta,
        operation: op
          ? { phase: op.phase, message: op.message, startedAt: op.startedAt, finishedAt: op.finishedAt }
          : undefined,
        images,
        imageOverride: imageUpdaterOverride(app),
        unhealthy: troubled.map((t) => ({
          kind: t.kind,
          name: t.name,
          namespace: t.namespace,
          sync: t.status,
          health: t.health,
        })),
        conditions: st.conditions ?? [],
        autoSync: isAutoSync(app),
      },
    },
  };
}
