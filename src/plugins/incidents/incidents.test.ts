import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ChatService } from '../../core/chat.ts';
import { ManualClock } from '../../core/clock.ts';
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

function setup(cfg: unknown = { defaultChannel: 'test:C0OPS' }) {
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
});
