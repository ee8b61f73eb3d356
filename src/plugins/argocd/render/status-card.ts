/**
 * `/argo status`: one application in one card, in order of what an operator needs first — what is
 * happening now (a sync running or requested, a deletion, not reconciled yet), sync and health
 * with the reason, each source with its revision, the images that run and where each comes from,
 * what is not synced or not healthy, conditions, the last operation, then where it lives.
 */
import { bold, code, esc, truncate } from '../../../core/message/markup.ts';
import type { Block, Button, Field, Message } from '../../../core/message/model.ts';
import { ago } from '../../../core/message/time.ts';
import type { RevisionMetadata } from '../types.ts';
import type { AppView, ResourceView } from '../view/app-view.ts';
import type { ImageView } from '../view/images.ts';
import type { GitLinks } from '../view/links.ts';
import type { OperationView } from '../view/operation.ts';
import { revisionLabel } from '../view/sources.ts';
import { revisionText, sourceLine } from './sources.ts';
import { appTone, healthLabel, stateWord, syncLabel } from './tone.ts';

export interface StatusInputs {
  ref: string;
  instance: string;
  view: AppView;
  /** Resources with the health the tree adds (Argo CD 3.x keeps it there). */
  resources: ResourceView[];
  /** Commit metadata per source index. */
  commits: Map<number, RevisionMetadata>;
  links: GitLinks;
  appUrl: string;
  cached: boolean;
  /** What could not be read for this card (the tree, commit metadata), in plain words. */
  notes: string[];
  now: number;
}

const revs = (o: OperationView) => o.revisions.map((r) => revisionLabel(r)).join(', ');
const by = (o: OperationView) => (o.initiatedBy ? ` by ${esc(o.initiatedBy)}` : '');
// Argo CD retries without end when the limit is negative (appcontroller.go: `Limit < 0`).
const retries = (o: OperationView) =>
  o.retryCount
    ? ` (retry ${o.retryCount}${o.retryLimit !== undefined && o.retryLimit < 0 ? ', no limit' : o.retryLimit ? ` of ${o.retryLimit}` : ''})`
    : '';

/** What is happening to the app right now, most pressing first. */
export function nowLines(v: AppView, now: number): string[] {
  const out: string[] = [];
  if (v.deleting)
    out.push(
      `🗑 ${bold('Being deleted')} since ${ago(v.deleting.since, now)}` +
        (v.deleting.cascade
          ? ' — Argo CD deletes its resources too.'
          : ' — its resources stay in the cluster.'),
    );
  const op = v.operation;
  if (op?.stage === 'requested')
    out.push(
      `⏳ ${bold(`A ${op.kind} was requested`)}${by(op)}${op.revisions.length ? ` (to ${revs(op)})` : ''}; Argo CD has not started it yet.`,
    );
  if (op?.stage === 'running' || op?.stage === 'terminating')
    out.push(
      `🔄 ${bold(op.stage === 'running' ? `${op.kind} running` : `${op.kind} being terminated`)}` +
        `${op.revisions.length ? ` to ${revs(op)}` : ''}${op.startedAt ? `, started ${ago(op.startedAt, now)}` : ''}${by(op)}${retries(op)}` +
        (op.message ? ` — ${esc(truncate(op.message, 300))}` : ''),
    );
  if (!v.reconciled)
    out.push(`⏳ ${bold('Not reconciled yet')}: Argo CD has not compared this application with Git.`);
  return out;
}

function syncReason(v: AppView, resources: ResourceView[]): string {
  if (v.sync === 'OutOfSync') {
    const n = resources.filter((r) => r.sync === 'OutOfSync' || r.requiresPruning).length;
    return n ? ` — ${n} resource${n === 1 ? ' differs' : 's differ'}` : '';
  }
  if (v.sync === 'Unknown') {
    const c = v.conditions.find((c) => /Error$/.test(c.type));
    return c ? ` — ${esc(c.type)}` : '';
  }
  return '';
}

/**
 * Where images that are not overridden come from: the manifests the sources render — Git, or a
 * chart fetched from a Helm repository or an OCI registry, which Git does not hold.
 */
function renderedFrom(v: AppView): string {
  const origins = new Set(v.sources.filter((s) => !s.refOnly).map((s) => s.origin));
  if (origins.size !== 1) return origins.size ? 'from the sources' : 'from the manifests';
  const [origin] = [...origins];
  return origin === 'helm' ? 'from the Helm chart' : origin === 'oci' ? 'from the OCI artifact' : 'from Git';
}

function imageLine(i: ImageView, from: string): string {
  switch (i.origin) {
    case 'git':
      return `${code(i.image)} — ${from}${i.detail ? ` (${esc(i.detail)})` : ''}`;
    case 'override':
      return `${code(i.image)} — Argo CD override in ${esc(i.detail ?? 'the Application')}, not in Git`;
    case 'image-updater':
      return `${code(i.image)} — Image Updater${i.alias ? ` (${esc(i.alias)})` : ''}: ${esc(i.detail ?? '')}${pinText(i)}`;
  }
}

/** `; pinned to 1.4.2 by alice on 2026-12-06 (rollback of 1.5.0)`, or the bare allow-tags pin. */
function pinText(i: ImageView): string {
  const p = i.pin;
  if (!p) return '';
  const r = p.record;
  const when = r?.at ? ` on ${r.at.slice(0, 10)}` : '';
  return r
    ? `; pinned to ${esc(p.tag)} by ${esc(r.by)}${when}${r.reason ? ` (${esc(r.reason)})` : ''}`
    : `; pinned to ${esc(p.tag)} (allow-tags)`;
}

function lastOperationText(o: OperationView, now: number): string {
  const when = o.finishedAt ?? o.startedAt;
  const tries = o.retryCount ? ` after ${o.retryCount} retr${o.retryCount === 1 ? 'y' : 'ies'}` : '';
  return (
    `${bold(o.stage === 'succeeded' ? 'Succeeded' : o.stage === 'failed' ? 'Failed' : 'Error')}` +
    `${when ? ` ${ago(when, now)}` : ''}${by(o)}${tries}${o.revisions.length ? ` at ${revs(o)}` : ''}` +
    (o.message ? ` — ${esc(truncate(o.message, 300))}` : '')
  );
}

function destinationText(v: AppView): string {
  const d = v.destination;
  return esc(`${d.name ?? d.server ?? '(no destination)'} / ${d.namespace ?? '—'}`);
}

export function statusCard(inp: StatusInputs): Message {
  const { view: v, links, now } = inp;
  const first = v.sources.find((s) => !s.refOnly) ?? v.sources[0];
  const blocks: Block[] = [];
  const happening = nowLines(v, now);
  if (happening.length) blocks.push({ type: 'text', text: happening.join('\n') });

  const fields: Field[] = [
    { label: 'Sync', value: syncLabel(v.sync) + syncReason(v, inp.resources), short: true },
    { label: 'Health', value: healthLabel(v.health), short: true },
  ];
  if (v.healthMessage && v.health !== 'Healthy')
    fields.push({ label: 'Health message', value: esc(truncate(v.healthMessage, 300)) });
  if (!v.multiSource && first)
    fields.push({
      label: 'Revision',
      value: sourceLine(first, links, inp.commits.get(first.index), now, v.sync === 'OutOfSync'),
    });
  blocks.push({ type: 'fields', fields });
  if (v.multiSource)
    blocks.push({
      type: 'text',
      text: `${bold(`Sources (${v.sources.length})`)}\n${v.sources
        .map(
          (s) =>
            `${s.index + 1}. ${sourceLine(s, links, inp.commits.get(s.index), now, v.sync === 'OutOfSync')}`,
        )
        .join('\n')}`,
    });

  if (v.images.length)
    blocks.push({
      type: 'text',
      text: `${bold('Images')}\n${v.images.map((i) => imageLine(i, renderedFrom(v))).join('\n')}`,
    });

  const troubled = inp.resources.filter(
    (r) =>
      !r.hook &&
      ((r.sync && r.sync !== 'Synced') || r.requiresPruning || (r.health && r.health.status !== 'Healthy')),
  );
  if (troubled.length) {
    const shown = troubled.slice(0, 12);
    blocks.push({
      type: 'table',
      title: `Not synced or not healthy (${troubled.length})`,
      table: {
        columns: ['resource', 'sync', 'health', 'message'],
        rows: shown.map((r) => [
          `${r.kind}/${r.name}`,
          r.requiresPruning ? 'to prune' : (r.sync ?? '—'),
          r.health?.status ?? '—',
          truncate(r.health?.message ?? '', 120),
        ]),
      },
    });
    if (troubled.length > shown.length)
      blocks.push({ type: 'context', items: [`… ${troubled.length - shown.length} more`] });
  }
  if (v.conditions.length)
    blocks.push({
      type: 'text',
      text: `${bold('Conditions')}\n${v.conditions.map((c) => `• ${bold(c.type)}: ${esc(truncate(c.message, 300))}`).join('\n')}`,
    });

  const more: Field[] = [];
  if (v.lastOperation) {
    more.push({ label: 'Last operation', value: lastOperationText(v.lastOperation, now) });
    const failed = v.lastOperation.failed.slice(0, 4);
    if (failed.length)
      more.push({
        label: 'Failed',
        value: failed
          .map(
            (f) =>
              `${esc(`${f.kind}/${f.name}`)}${f.hook ? ` (${esc(f.hook)} hook)` : ''}: ${esc(truncate(f.message ?? '', 160))}`,
          )
          .join('\n'),
      });
  }
  more.push(
    { label: 'Project', value: esc(v.project), short: true },
    { label: 'Destination', value: destinationText(v), short: true },
    {
      label: 'Auto-sync',
      value: v.autoSync.enabled
        ? `on${v.autoSync.prune ? ', prune' : ''}${v.autoSync.selfHeal ? ', self-heal' : ''}`
        : 'off',
      short: true,
    },
  );
  if (v.ownedBy)
    more.push({
      label: 'Generated by',
      value: `${esc(v.ownedBy.kind)} ${code(v.ownedBy.name)} — change it there; edits to this Application are overwritten`,
    });
  blocks.push({ type: 'fields', fields: more });

  const context = [
    `Argo CD ${esc(inp.instance)}`,
    inp.cached ? 'from the live cache' : 'read just now',
    ...(v.reconciledAt ? [`reconciled ${ago(v.reconciledAt, now)}`] : []),
  ];
  const unread = [...v.unreadable, ...inp.notes];
  if (unread.length) context.push(`⚠️ could not read: ${esc(unread.join('; '))}`);
  blocks.push({ type: 'context', items: context });

  const buttons: Button[] = [{ label: 'Open in Argo CD', url: inp.appUrl }];
  const src =
    first && first.origin === 'git'
      ? links.tree(first.repoURL, first.revision ?? first.targetRevision, first.path)
      : undefined;
  if (src) buttons.push({ label: 'Source', url: src });

  const state = v.reconciled ? `${stateWord(v.sync)}, ${stateWord(v.health)}` : 'not reconciled yet';
  const at = first?.revision ? ` at ${revisionLabel(first.revision)}` : '';
  return {
    text: `${inp.ref}: ${state}${at}${happening.length ? ` — ${happening[0]?.replace(/\*\*/g, '')}` : ''}`,
    header: inp.ref,
    tone: appTone(v),
    blocks,
    buttons,
    data: {
      app: {
        name: v.name,
        namespace: v.namespace,
        instance: inp.instance,
        project: v.project,
        reconciled: v.reconciled,
        sync: v.sync,
        health: v.health,
        healthMessage: v.healthMessage,
        revision: first?.revision,
        sources: v.sources.map((s) => ({
          origin: s.origin,
          tool: s.tool,
          repoURL: s.repoURL,
          path: s.path,
          chart: s.chart,
          ref: s.ref,
          targetRevision: s.targetRevision,
          revision: s.revision,
          deployed: s.deployed,
          commit: inp.commits.get(s.index),
        })),
        commit: first ? inp.commits.get(first.index) : undefined,
        operation: v.operation,
        lastOperation: v.lastOperation,
        deleting: v.deleting,
        ownedBy: v.ownedBy,
        images: v.images,
        // Set on the Application rather than in Git (Image Updater's git write-back is in Git).
        imageOverride: v.images.some(
          (i) =>
            i.origin === 'override' ||
            (i.origin === 'image-updater' && v.imageUpdater?.writeBack === 'argocd'),
        ),
        unhealthy: troubled.map((t) => ({
          kind: t.kind,
          name: t.name,
          namespace: t.namespace,
          sync: t.sync,
          health: t.health,
        })),
        conditions: v.conditions,
        autoSync: v.autoSync.enabled,
        unreadable: unread,
      },
    },
  };
}

export { revisionText };
