import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { ChatService } from '../../core/chat.ts';
import { ManualClock } from '../../core/clock.ts';
import { UpstreamError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { RecordingAdapter } from '../../../test/support/test-bot.ts';
import type { ArgoService, ResolvedApp } from '../argocd/index.ts';
import { AlertmanagerPayloadSchema } from './alertmanager.ts';
import { IncidentsConfigSchema } from './config.ts';
import { IncidentService } from './incidents.ts';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });

const app = (name: string, ns: string) => ({
  metadata: { name, namespace: 'argocd' },
  spec: { project: 'default', destination: { namespace: ns } },
  status: { resources: [{ kind: 'Deployment', namespace: ns, name }] },
});

/** Argo CD as the incidents need it: resolve a name, list apps (the real one is exercised end to end). */
const argo = {
  resolve: async (ref: string) => {
    const name = ref.split('@')[0] as string;
    if (name !== 'naver-news') throw new Error(`No application ${name}`);
    return {
      instance: 'default',
      ref: name,
      app: app(name, 'naver'),
      locator: { name },
    } as unknown as ResolvedApp;
  },
  list: async () => ({ apps: [{ instance: 'default', app: app('naver-news', 'naver') }], failures: [] }),
} as unknown as ArgoService;

const payload = (
  status: 'firing' | 'resolved',
  labels: Record<string, string> = {
    alertname: 'KubePodCrashLooping',
    severity: 'critical',
    namespace: 'naver',
    pod: 'naver-news-7d9f8-abcde',
  },
) =>
  AlertmanagerPayloadSchema.parse({
    version: '4',
    groupKey: '{}/{severity="critical"}:{alertname="KubePodCrashLooping"}',
    status,
    receiver: 'deckhand',
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: { summary: 'Pod naver/naver-news is crash looping' },
    externalURL: 'http://alertmanager.local',
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'Pod naver/naver-news is crash looping' },
        startsAt: '2026-11-24T08:40:00Z',
        endsAt: status === 'resolved' ? '2026-11-24T09:03:00Z' : '0001-01-01T00:00:00Z',
        fingerprint: 'a1b2c3d4e5f60718',
      },
    ],
  });

function setup(cfg: unknown = { defaultChannel: 'test:C0OPS' }, gate: Promise<unknown> = Promise.resolve()) {
  const clock = new ManualClock(Date.parse('2026-11-24T09:00:00Z'));
  const adapter = new RecordingAdapter();
  const chat = new ChatService();
  chat.add(adapter);
  const diagnosed: string[] = [];
  const svc = new IncidentService({
    argo,
    chat,
    clock,
    log,
    cfg: IncidentsConfigSchema.parse(cfg),
    store: new SqliteStore(':memory:', clock),
    diagnose: async (r) => {
      diagnosed.push(r.ref);
      await gate;
      return { text: 'OOMKilled: container app exceeded its 512Mi memory limit' };
    },
  });
  return { svc, adapter, clock, diagnosed };
}

describe('incidents', () => {
  it('opens one thread per alert group with the diagnosis inside, then edits it in place', async () => {
    const { svc, adapter, clock, diagnosed } = setup();
    await svc.ingest(payload('firing'), log);
    expect(
      adapter.posted.map((p) => [p.message.header ?? p.message.text, p.ref.thread ?? null, !!p.updated]),
    ).toEqual([
      ['🔥 KubePodCrashLooping — naver-news', null, false],
      ['OOMKilled: container app exceeded its 512Mi memory limit', 't1', false],
    ]);
    expect(diagnosed).toEqual(['naver-news']);
    clock.advance(5 * 60_000);
    await svc.ingest(payload('firing'), log);
    expect(adapter.posted).toHaveLength(3);
    expect(adapter.posted[2]).toMatchObject({ updated: true, ref: { id: 't1' } });
    expect(adapter.posted[2]?.message.data).toMatchObject({
      incident: { notifications: 2, status: 'firing' },
    });
  });

  it('marks the thread resolved with how long it lasted', async () => {
    const { svc, adapter, clock } = setup();
    await svc.ingest(payload('firing'), log);
    clock.advance(3 * 60_000);
    await svc.ingest(payload('resolved'), log);
    const texts = adapter.posted.map((p) => p.message.header ?? p.message.text);
    expect(texts.at(-2)).toBe('✅ KubePodCrashLooping — naver-news');
    expect(texts.at(-1)).toBe('✅ Resolved after 23m.');
    expect(await svc.open()).toEqual([]);
  });

  it('drops incidents resolved before the retention, and keeps a firing one whatever its age', async () => {
    const { svc, clock } = setup({ defaultChannel: 'test:C0OPS', retentionDays: 30 });
    await svc.ingest(payload('firing'), log);
    await svc.ingest(payload('resolved'), log);
    const other = { ...payload('firing'), groupKey: '{}:{alertname="Other"}' };
    await svc.ingest(other, log);
    clock.advance(29 * 86_400_000);
    expect(await svc.prune()).toBe(0);
    clock.advance(2 * 86_400_000);
    expect(await svc.prune()).toBe(1);
    expect((await svc.all()).map((i) => i.status)).toEqual(['firing']);
  });

  it('posts one root when two deliveries of a new group arrive at once', async () => {
    const { svc, adapter } = setup();
    await Promise.all([svc.ingest(payload('firing'), log), svc.ingest(payload('firing'), log)]);
    expect(adapter.posted.filter((p) => !p.updated && !p.ref.thread)).toHaveLength(1);
  });

  it('maps an alert without an app label through the namespace and workload, and says when it cannot', async () => {
    const { svc, adapter } = setup();
    const i = await svc.ingest(payload('firing'), log);
    expect(i.app?.name).toBe('naver-news');
    const other = await svc.ingest(
      { ...payload('firing', { alertname: 'DiskFull', namespace: 'storage' }), groupKey: 'other' },
      log,
    );
    expect(other.app).toBeUndefined();
    expect(other.appReason).toBe('no application owns resources in storage');
    expect(adapter.posted.at(-1)?.message.header).toBe('🔥 DiskFull');
  });

  it('keeps the incident without posting when no route or default channel fits', async () => {
    const { svc, adapter } = setup({});
    const i = await svc.ingest(payload('firing'), log);
    expect(i.root).toBeUndefined();
    expect(adapter.posted).toHaveLength(0);
  });

  it('handles `concurrency` groups at once, folds a repeat of a waiting group, and is busy when full', async () => {
    let open!: () => void;
    const { svc, diagnosed } = setup(
      { defaultChannel: 'test:C0OPS', concurrency: 1, queueCapacity: 1, retryAfterSeconds: 7 },
      new Promise<void>((r) => (open = r)),
    );
    const group = (g: string) => ({ ...payload('firing'), groupKey: g });
    const a = svc.ingest(group('a'), log);
    const b1 = svc.ingest(group('b'), log);
    await new Promise((r) => setImmediate(r));
    expect(svc.load).toEqual({ running: 1, waiting: 1 });
    // The queue is full for a new group, not for the one that waits: that one is folded in.
    expect(svc.busy(group('c'))).toBe(7);
    expect(svc.busy(group('b'))).toBeUndefined();
    const b2 = svc.ingest(group('b'), log);
    expect(svc.load.waiting).toBe(1);
    open();
    const [, first, second] = await Promise.all([a, b1, b2]);
    expect(first).toBe(second);
    expect(second?.notifications).toBe(2);
    expect(diagnosed).toHaveLength(2);
    expect(svc.busy(group('c'))).toBeUndefined();
  });

  it('a replica that finds the group claimed by another waits for its thread instead of posting one', async () => {
    const { svc, adapter, clock } = setup({ defaultChannel: 'test:C0OPS', claimWaitMs: 200 });
    const p = payload('firing');
    const key = IncidentService.keyOf(p);
    const store = (svc as unknown as { docs: { put(k: string, v: unknown): Promise<void> } }).docs;
    // The other replica's claim, valid for a minute, no thread yet.
    await store.put(key, {
      ...(await svc.ingest({ ...p, groupKey: 'seed' }, log)),
      key,
      groupKey: p.groupKey,
      root: undefined,
      claim: { owner: 'other/1', id: 'other', until: clock.now() + 60_000 },
    });
    const posted = adapter.posted.length;
    const i = await svc.ingest(p, log);
    expect(adapter.posted.length).toBe(posted);
    expect(i.claim?.owner).toBe('other/1');
    // Once the claim has lapsed, the next delivery takes the group over and posts its thread.
    clock.advance(60_000);
    const taken = await svc.ingest(p, log);
    expect(taken.root).toBeDefined();
    expect(taken.claim).toBeUndefined();
  });

  describe('a store outage under a delivery', () => {
    /** The store's incidents fail while `down()` says so (one method, as a blip). */
    function flaky(method: 'update' | 'insertIfAbsent', down: () => boolean) {
      const t = setup({ defaultChannel: 'test:C0OPS', claimWaitMs: 300 });
      const store = (t.svc as unknown as { docs: Record<string, unknown> }).docs;
      const real = (store[method] as (...a: unknown[]) => Promise<unknown>).bind(store);
      store[method] = async (...a: unknown[]) => {
        if (down())
          throw new UpstreamError('store', 'unreachable', "deckhand's database (PostgreSQL) is unavailable.");
        return real(...a);
      };
      return t;
    }

    it('a delivery that failed after claiming its thread posts it on the retry (its own claim is no bar)', async () => {
      let updates = 0;
      const t = flaky('update', () => ++updates === 1);
      await expect(t.svc.ingest(payload('firing'), log, 'd1')).rejects.toThrow(/unavailable/);
      // The retry runs after 500 ms (real time: the service's timer).
      await vi.waitFor(() => expect(t.adapter.posted.length).toBeGreaterThan(0), { timeout: 3_000 });
      const i = await t.svc.get(IncidentService.keyOf(payload('firing')));
      expect(i?.root).toBeDefined();
      expect(i?.claim).toBeUndefined();
      expect(t.adapter.posted.filter((p) => !p.ref.thread && !p.updated)).toHaveLength(1);
      t.svc.stop();
    });

    it('a held retry of an older delivery never undoes a newer one ("resolved" stays resolved)', async () => {
      let down = false;
      const t = flaky('update', () => down);
      await t.svc.ingest(payload('firing'), log, 'd0');
      down = true;
      await expect(t.svc.ingest(payload('firing'), log, 'd1')).rejects.toThrow(/unavailable/);
      down = false;
      t.clock.advance(60_000);
      await t.svc.ingest(payload('resolved'), log, 'd2');
      // d1's retry comes due (500 ms) and must find itself stale.
      await new Promise((r) => setTimeout(r, 800));
      const i = await t.svc.get(IncidentService.keyOf(payload('firing')));
      expect(i?.status).toBe('resolved');
      expect(t.adapter.posted.map((p) => p.message.text).join('\n')).not.toMatch(/fired again/);
      t.svc.stop();
    });
  });
});
