/**
 * A digest for one channel's selection of apps: counts by sync and health, what changed since the
 * last digest, the apps that are not healthy or not synced with a one-line reason, the deckhand
 * pull requests waiting for approval, the automatic remediations done, and a 7-day chart.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApprovalService } from '../../core/approvals.ts';
import { renderStackedBars } from '../../core/chart/bars.ts';
import type { Clock } from '../../core/clock.ts';
import { esc, truncate } from '../../core/message/markup.ts';
import { duration } from '../../core/message/time.ts';
import type { Block, Message } from '../../core/message/model.ts';
import type { AuditLog, Collection, Store } from '../../core/store/types.ts';
import { globMatch } from '../../core/glob.ts';
import { healthOf, syncOf, type Application, type ArgoService } from '../argocd/index.ts';
import type { DeliveryService } from '../delivery/index.ts';
import type { Schedule } from './config.ts';
import type { HealthHistory } from './history.ts';
import { selector } from './select.ts';

type Snapshot = Record<string, { sync: string; health: string; revision?: string }>;

/** How many of the apps that are fine a digest names (the rest are counted). */
const FINE_LISTED = 40;

/** Why an app is not fine, in one line, from what Argo CD says. */
export function reasonOf(app: Application): string {
  const st = app.status;
  if (st?.operationState && ['Failed', 'Error'].includes(st.operationState.phase))
    return `sync failed: ${st.operationState.message ?? ''}`;
  const bad = (st?.resources ?? []).find(
    (r) => r.health?.status && r.health.status !== 'Healthy' && r.health.message,
  );
  if (bad) return `${bad.kind}/${bad.name}: ${bad.health?.message}`;
  if (st?.health?.message) return st.health.message;
  const out = (st?.resources ?? []).filter((r) => r.status === 'OutOfSync');
  if (out.length)
    return `${out.length} resource${out.length === 1 ? '' : 's'} differ from Git (${out
      .slice(0, 3)
      .map((r) => `${r.kind}/${r.name}`)
      .join(', ')})`;
  return st?.conditions?.[0]?.message ?? '';
}

export class DigestBuilder {
  private readonly argo: ArgoService;
  private readonly approvals: ApprovalService;
  private readonly audit: AuditLog;
  private readonly history: HealthHistory;
  private readonly clock: Clock;
  private readonly last: Collection<{ at: number; apps: Snapshot }>;
  private readonly chartDir: string;
  private readonly delivery?: DeliveryService;

  constructor(deps: {
    argo: ArgoService;
    approvals: ApprovalService;
    audit: AuditLog;
    history: HealthHistory;
    clock: Clock;
    store: Store;
    chartDir: string;
    /** The four keys of the digest's apps, when the delivery plugin runs. */
    delivery?: DeliveryService;
  }) {
    this.delivery = deps.delivery;
    this.argo = deps.argo;
    this.approvals = deps.approvals;
    this.audit = deps.audit;
    this.history = deps.history;
    this.clock = deps.clock;
    this.last = deps.store.collection('digest-last');
    this.chartDir = deps.chartDir;
  }

  async build(s: Schedule, opts: { remember: boolean } = { remember: true }): Promise<Message> {
    const res = await this.argo.list();
    if (res.failures.length && res.apps.length === 0) throw res.failures[0]?.error;
    const pick = selector(s.select);
    const apps = res.apps
      .filter(({ instance, app }) => pick(instance, app))
      .sort((a, b) => a.app.metadata.name.localeCompare(b.app.metadata.name));
    const key = (instance: string, app: Application) =>
      `${instance}/${app.metadata.namespace ?? ''}/${app.metadata.name}`;
    const now: Snapshot = Object.fromEntries(
      apps.map(({ instance, app }) => [
        key(instance, app),
        { sync: syncOf(app), health: healthOf(app), revision: app.status?.sync?.revision },
      ]),
    );
    const before = await this.last.get(s.id);
    const count = (f: (a: Application) => string) => {
      const m = new Map<string, number>();
      for (const { app } of apps) m.set(f(app), (m.get(f(app)) ?? 0) + 1);
      return [...m.entries()].sort((a, b) => b[1] - a[1]);
    };
    const troubled = apps.filter(({ app }) => healthOf(app) !== 'Healthy' || syncOf(app) !== 'Synced');
    const changes: string[] = [];
    if (before) {
      for (const [k, v] of Object.entries(now)) {
        const was = before.apps[k];
        const name = k.split('/').at(-1) as string;
        if (!was) changes.push(`${name}: new`);
        else if (was.health !== v.health) changes.push(`${name}: ${was.health} → ${v.health}`);
        else if (was.sync !== v.sync) changes.push(`${name}: ${was.sync} → ${v.sync}`);
        else if (was.revision && v.revision && was.revision !== v.revision)
          changes.push(`${name}: deployed ${v.revision.slice(0, 7)}`);
      }
      for (const k of Object.keys(before.apps)) if (!now[k]) changes.push(`${k.split('/').at(-1)}: gone`);
    }
    const names = new Set(apps.map(({ app }) => app.metadata.name));
    const pending = await this.approvals.list(
      (r) => r.state === 'pending' && r.expiresAt > this.clock.now() && names.has(r.subject.app),
    );
    const since = before?.at ?? this.clock.now() - 86_400_000;
    const remediations = (await this.audit.query({ kind: 'remediation', since, limit: 200 })).filter(
      (e) => e.app && names.has(e.app) && e.outcome === 'ok',
    );
    const blocks: Block[] = [
      {
        type: 'text',
        text:
          `**${apps.length} apps** — ` +
          count(healthOf)
            .map(([k, n]) => `${k} ${n}`)
            .join(' · ') +
          '\n' +
          count(syncOf)
            .map(([k, n]) => `${k} ${n}`)
            .join(' · '),
      },
    ];
    if (troubled.length) {
      blocks.push({
        type: 'table',
        title: 'Needs attention',
        table: {
          columns: ['app', 'health', 'sync', 'why'],
          rows: troubled
            .slice(0, 25)
            .map(({ app }) => [app.metadata.name, healthOf(app), syncOf(app), truncate(reasonOf(app), 140)]),
        },
      });
    } else blocks.push({ type: 'text', text: '✅ Everything is Synced and Healthy.' });
    const fine = apps.filter(({ app }) => healthOf(app) === 'Healthy' && syncOf(app) === 'Synced');
    if (fine.length) {
      const shown = fine.slice(0, FINE_LISTED).map(({ app }) => esc(app.metadata.name));
      const more = fine.length - shown.length;
      blocks.push({
        type: 'text',
        text: `**Synced and Healthy (${fine.length}):** ${shown.join(', ')}${more ? ` and ${more} more` : ''}`,
      });
    }
    blocks.push({
      type: 'text',
      // Compared with the last scheduled digest: one asked for is not remembered, so until a
      // scheduled one has gone out there is nothing to compare with (it is not the first).
      text: `**Since the last digest:** ${before ? (changes.length ? '' : 'no changes.') : opts.remember ? 'this is the first digest.' : 'no scheduled digest has gone out yet to compare with.'}${
        changes.length
          ? '\n' +
            changes
              .slice(0, 20)
              .map((c) => `• ${esc(c)}`)
              .join('\n')
          : ''
      }`,
    });
    if (pending.length) {
      blocks.push({
        type: 'text',
        text: `**Waiting for approval:**\n${pending.map((p) => `• ${esc(p.subject.title)} (asked by ${p.requester})`).join('\n')}`,
      });
    }
    if (remediations.length) {
      blocks.push({
        type: 'text',
        text: `**Automatic remediations:**\n${remediations
          .slice(0, 10)
          .map((r) => `• ${r.app}: ${String(r.detail?.summary ?? r.name)}`)
          .join('\n')}`,
      });
    }
    // Delivery figures are a part of the digest: when they cannot be had, the digest says so and goes out.
    const delivered =
      this.delivery && s.delivery > 0 && apps.length
        ? await this.deliveryOf(s, apps).catch((err: unknown) => ({
            block: {
              type: 'text' as const,
              text: `**Delivery:** not available (${esc((err as Error).message)}).`,
            },
            chart: undefined,
            data: undefined,
          }))
        : undefined;
    if (delivered) blocks.push(delivered.block);
    const attachments = [
      ...(s.chart ? [await this.chart(s)] : []),
      ...(delivered?.chart ? [delivered.chart] : []),
    ];
    if (opts.remember) await this.last.put(s.id, { at: this.clock.now(), apps: now });
    const degraded = troubled.filter(({ app }) => healthOf(app) === 'Degraded').length;
    return {
      text: `Digest ${s.id}: ${apps.length} apps, ${troubled.length} need attention`,
      header: `Digest — ${s.id}`,
      tone: degraded ? 'danger' : troubled.length ? 'warn' : 'ok',
      blocks,
      attachments,
      data: {
        digest: {
          schedule: s.id,
          apps: apps.map(({ instance, app }) => ({
            instance,
            name: app.metadata.name,
            project: app.spec.project,
            sync: syncOf(app),
            health: healthOf(app),
          })),
          troubled: troubled.map(({ app }) => ({ name: app.metadata.name, reason: reasonOf(app) })),
          changes,
          pendingApprovals: pending.map((p) => p.subject.title),
          remediations: remediations.length,
          ...(delivered?.data ? { delivery: delivered.data } : {}),
        },
      },
    };
  }

  /** The four keys of the digest's apps over its `delivery` days, a line each, and their chart. */
  private async deliveryOf(s: Schedule, apps: { instance: string; app: Application }[]) {
    const d = this.delivery as DeliveryService;
    const { keys: k, previous, weeks, gaps } = await d.figures(apps, s.delivery);
    const move = (now: number | undefined, before: number | undefined, lowerIsBetter: boolean) =>
      now === undefined || before === undefined || now === before
        ? ''
        : (lowerIsBetter ? now < before : now > before)
          ? ' ↑'
          : ' ↓';
    const band = (b: string | undefined) => (b ? ` (${b})` : '');
    const lines = [
      `deployments ${k.deployments} (${Math.round(k.perDay * 100) / 100}/day)${band(k.bands.frequency)}${move(k.perDay, previous?.deployments ? previous.perDay : undefined, false)}`,
      `lead time ${k.leadTime.median === undefined ? 'unknown' : duration(k.leadTime.median)}${band(k.bands.leadTime)}${move(k.leadTime.median, previous?.leadTime.median, true)}`,
      `change failure rate ${k.changeFailureRate.rate === undefined ? '—' : `${Math.round(k.changeFailureRate.rate * 1000) / 10}%`}${band(k.bands.changeFailureRate)}${move(k.changeFailureRate.rate, previous?.changeFailureRate.rate, true)}`,
      `time to restore ${k.timeToRestore.median === undefined ? (k.timeToRestore.open ? `${k.timeToRestore.open} open` : 'no failures') : duration(k.timeToRestore.median)}${band(k.bands.timeToRestore)}${move(k.timeToRestore.median, previous?.timeToRestore.median, true)}`,
    ];
    const notes = gaps.length ? `\n_${gaps.map(esc).join('; ')}_` : '';
    return {
      block: {
        type: 'text' as const,
        text: `**Delivery, last ${s.delivery} days:** ${lines.join(' · ')}${notes}`,
      },
      chart: s.chart ? d.chart(weeks, `${s.id}: deployments per week`, `digest-${s.id}`) : undefined,
      data: { days: s.delivery, keys: k, previous, gaps },
    };
  }

  private async chart(s: Schedule) {
    const days = await this.history.daily(
      7,
      s.timeZone,
      (p) => !s.select.projects || s.select.projects.some((g) => globMatch(g, p)),
    );
    const png = renderStackedBars({
      title: `${s.id} health, 7 days`,
      labels: days.map((d) => d.label),
      series: [
        { label: 'healthy', color: [46, 160, 67] },
        { label: 'progressing', color: [56, 139, 253] },
        { label: 'degraded', color: [218, 54, 51] },
        { label: 'other', color: [150, 150, 150] },
      ],
      values: days.map((d) => [d.counts.healthy, d.counts.progressing, d.counts.degraded, d.counts.other]),
    });
    mkdirSync(this.chartDir, { recursive: true });
    const path = join(this.chartDir, `${s.id}-${new Date(this.clock.now()).toISOString().slice(0, 10)}.png`);
    writeFileSync(path, png);
    return {
      filename: `${s.id}-health.png`,
      contentType: 'image/png',
      path,
      title: `${s.id}: health over 7 days`,
    };
  }
}
