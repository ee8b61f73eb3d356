import { Writable } from 'node:stream';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ActionService, defineAction } from '../../core/actions.ts';
import { ChatService } from '../../core/chat.ts';
import { ManualClock } from '../../core/clock.ts';
import { SingleProcessLeader } from '../../core/leader.ts';
import { createLogger } from '../../core/logging.ts';
import type { Conversation, Message, MessageRef } from '../../core/message/model.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { RecordingAdapter } from '../../../test/support/test-bot.ts';
import type { AppChange, Application, ArgoService } from '../argocd/index.ts';
import { DigestConfigSchema } from './config.ts';
import { DIAGNOSE_ACTION, TransitionWatcher } from './transitions.ts';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });

const app = (name: string, health: string, sync = 'Synced', project = 'payments'): Application =>
  ({
    metadata: { name, namespace: 'argocd' },
    spec: { project, destination: {} },
    status: {
      health: { status: health, ...(health === 'Degraded' ? { message: 'Deployment has timed out' } : {}) },
      sync: { status: sync },
    },
  }) as unknown as Application;

/** An adapter whose posts wait until the test lets them through. */
class GatedAdapter extends RecordingAdapter {
  gate?: Promise<void>;
  override async post(to: Conversation, m: Message): Promise<MessageRef> {
    await this.gate;
    return super.post(to, m);
  }
}

function setup(transitions: unknown = {}, opts: { diagnosis?: boolean } = {}) {
  const clock = new ManualClock(Date.parse('2026-11-24T09:00:00Z'));
  const store = new SqliteStore(':memory:', clock);
  const adapter = new GatedAdapter();
  const chat = new ChatService();
  chat.add(adapter);
  const actions = new ActionService(store, clock);
  // The digest plugin registers the handler only when the diagnosis plugin is there.
  if (opts.diagnosis !== false)
    actions.register(
      'digest',
      defineAction({
        kind: DIAGNOSE_ACTION,
        params: z.object({}),
        permission: 'argo.read',
        run: async () => {},
      }),
    );
  // Count the store reads a sweep makes.
  let reads = 0;
  const counted = {
    ...store,
    audit: store.audit,
    collection: <T>(name: string) => {
      const c = store.collection<T>(name);
      return {
        ...c,
        get: (k: string) => (reads++, c.get(k)),
        list: (o?: { prefix?: string }) => (reads++, c.list(o)),
        put: c.put.bind(c),
        insertIfAbsent: c.insertIfAbsent.bind(c),
        update: c.update.bind(c),
        delete: c.delete.bind(c),
      };
    },
  } as unknown as SqliteStore;
  const watcher = new TransitionWatcher({
    argo: { cache: () => undefined } as unknown as ArgoService,
    chat,
    actions,
    clock,
    leader: new SingleProcessLeader(),
    log,
    cfg: DigestConfigSchema.parse({
      transitions: {
        routes: [{ select: { projects: ['payments'] }, channel: 'test:C-PAYMENTS' }],
        defaultChannel: 'test:C-OPS',
        ...(transitions as object),
      },
    }).transitions,
    store: counted,
  });
  const change = (a: Application, previous?: Application): AppChange => ({
    type: 'MODIFIED',
    instance: 'default',
    app: a,
    previous,
  });
  const alerts = () => adapter.posted.filter((p) => p.message.data?.transition);
  const recoveries = () => adapter.posted.filter((p) => p.message.data?.recovered);
  return { clock, adapter, watcher, change, alerts, recoveries, reads: () => reads };
}

describe('transition alerts', () => {
  it('posts one alert for a Degraded app when two changes race, and one follow-up when it recovers', async () => {
    const { watcher, change, alerts, recoveries, clock } = setup();
    const healthy = app('checkout', 'Healthy');
    const degraded = app('checkout', 'Degraded');
    await Promise.all([
      watcher.onChange(change(degraded, healthy)),
      watcher.onChange(change(degraded, healthy)),
    ]);
    expect(alerts()).toHaveLength(1);
    const alert = alerts()[0]!;
    expect(alert.ref.channel).toBe('C-PAYMENTS');
    expect(alert.message.text).toBe('checkout is Degraded');
    expect(alert.message.buttons?.map((b) => b.label)).toEqual(['Diagnose']);

    clock.advance(12 * 60_000);
    await watcher.onChange(change(healthy, degraded));
    await watcher.onChange(change(healthy, healthy));
    expect(recoveries()).toHaveLength(1);
    expect(recoveries()[0]!.ref.thread).toBe(alert.ref.id);
    expect(recoveries()[0]!.message.text).toBe('✅ checkout is Healthy again after 12m.');
  });

  it('offers no [Diagnose] when no diagnosis would answer it', async () => {
    const { watcher, change, alerts } = setup({}, { diagnosis: false });
    await watcher.onChange(change(app('checkout', 'Degraded'), app('checkout', 'Healthy')));
    expect(alerts()).toHaveLength(1);
    expect(alerts()[0]!.message.text).toBe('checkout is Degraded');
    expect(alerts()[0]!.message.buttons ?? []).toEqual([]);
  });

  it('follows up when the app recovers while its alert is still being posted', async () => {
    const { watcher, change, adapter, alerts, recoveries } = setup();
    let open = () => {};
    adapter.gate = new Promise<void>((r) => (open = r));
    const posting = watcher.onChange(change(app('checkout', 'Degraded'), app('checkout', 'Healthy')));
    await watcher.onChange(change(app('checkout', 'Healthy'), app('checkout', 'Degraded')));
    open();
    await posting;
    expect(alerts()).toHaveLength(1);
    expect(recoveries()).toHaveLength(1);
    expect(recoveries()[0]!.ref.thread).toBe(alerts()[0]!.ref.id);
  });

  it('sweeps: alerts what the watch missed once, follows up once, skips muted apps, reads the store a fixed number of times', async () => {
    const { watcher, alerts, recoveries, reads } = setup();
    await watcher.mute('default', 'ledger', 3_600_000, 'alice');
    const fleet = (checkout: string) => [
      { instance: 'default', app: app('checkout', checkout) },
      { instance: 'default', app: app('ledger', 'Degraded') },
      { instance: 'default', app: app('search', 'Missing', 'OutOfSync', 'discovery') },
      ...Array.from({ length: 50 }, (_, i) => ({ instance: 'default', app: app(`svc-${i}`, 'Healthy') })),
    ];
    await watcher.check(fleet('Degraded'));
    await watcher.check(fleet('Degraded'));
    expect(alerts().map((a) => [a.ref.channel, a.message.text])).toEqual([
      ['C-PAYMENTS', 'checkout is Degraded'],
      ['C-OPS', 'search is Missing'],
    ]);
    const before = reads();
    await watcher.check(fleet('Healthy'));
    // The open alerts and the mutes, then the pending OutOfSync records: not one read per app.
    expect(reads() - before).toBe(3);
    expect(recoveries().map((r) => r.message.data?.recovered)).toEqual([
      { kind: 'degraded', app: 'checkout', instance: 'default' },
    ]);
  });

  it('alerts on OutOfSync only once it has lasted longer than the grace period', async () => {
    const { watcher, alerts, clock } = setup({ outOfSyncGrace: '10m' });
    const drifted = [{ instance: 'default', app: app('checkout', 'Healthy', 'OutOfSync') }];
    await watcher.check(drifted);
    clock.advance(9 * 60_000);
    await watcher.check(drifted);
    expect(alerts()).toHaveLength(0);
    clock.advance(2 * 60_000);
    await watcher.check(drifted);
    await watcher.check(drifted);
    expect(alerts().map((a) => a.message.text)).toEqual(['checkout has been OutOfSync for 11m']);
  });

  it("a schedule's sweep posts the alerts it raises to its own channel; an alert already open stays put", async () => {
    const { watcher, change, alerts, recoveries, clock } = setup({ outOfSyncGrace: '10m' });
    // The watch raised this one first, in the team's channel.
    await watcher.onChange(change(app('checkout', 'Degraded'), app('checkout', 'Healthy')));
    const fleet = [
      { instance: 'default', app: app('checkout', 'Degraded') },
      { instance: 'default', app: app('ledger', 'Missing') },
      { instance: 'default', app: app('search', 'Healthy', 'OutOfSync') },
    ];
    expect(await watcher.check(fleet, 'test:C-SWEEP')).toBe(1);
    clock.advance(11 * 60_000);
    expect(await watcher.check(fleet, 'test:C-SWEEP')).toBe(1);
    expect(await watcher.check(fleet, 'test:C-SWEEP')).toBe(0);
    expect(alerts().map((a) => [a.ref.channel, a.message.text])).toEqual([
      ['C-PAYMENTS', 'checkout is Degraded'],
      ['C-SWEEP', 'ledger is Missing'],
      ['C-SWEEP', 'search has been OutOfSync for 11m'],
    ]);
    // The recovery goes to the thread of the alert, wherever it was posted.
    await watcher.check([{ instance: 'default', app: app('ledger', 'Healthy') }], 'test:C-SWEEP');
    expect(recoveries().map((r) => r.ref.channel)).toEqual(['C-SWEEP']);
  });
});
