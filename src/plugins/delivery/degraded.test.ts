/**
 * When apps were Degraded, from Argo CD's health and the time it last changed
 * (status.health.lastTransitionTime, which the controller sets only when the status changes).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import type { Application } from '../argocd/index.ts';
import { DegradedLog } from './degraded.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const H = 3_600_000;

function app(status: string, changedHour?: number): Application {
  return {
    metadata: { name: 'web', namespace: 'argocd' },
    spec: { project: 'shop', destination: {}, source: { repoURL: 'https://git/x', path: 'web' } },
    status: {
      health: {
        status,
        ...(changedHour !== undefined
          ? { lastTransitionTime: new Date(T0 + changedHour * H).toISOString() }
          : {}),
      },
    },
  } as unknown as Application;
}

function setup() {
  const clock = new ManualClock(T0 + 10 * H);
  return { clock, log: new DegradedLog(new SqliteStore(':memory:', clock), clock, 30) };
}

describe('Degraded spans', () => {
  it("open and close at Argo CD's transition times, not when deckhand happened to look", async () => {
    const { clock, log } = setup();
    await log.observe('default', app('Degraded', 8));
    // Still Degraded, seen again: the same span.
    await log.observe('default', app('Degraded', 8));
    // Progressing is not back yet.
    clock.set(T0 + 12 * H);
    await log.observe('default', app('Progressing', 11));
    expect([...(await log.spans()).values()].flat()).toMatchObject([{ startedAt: T0 + 8 * H }]);
    expect([...(await log.spans()).values()].flat()[0]?.resolvedAt).toBeUndefined();
    clock.set(T0 + 20 * H);
    await log.observe('default', app('Healthy', 13));
    expect(await log.spans()).toEqual(
      new Map([
        [
          'default/argocd/web',
          [expect.objectContaining({ kind: 'degraded', startedAt: T0 + 8 * H, resolvedAt: T0 + 13 * H })],
        ],
      ]),
    );
  });

  it('takes the time it saw the change when Argo CD gives none, or one in the future', async () => {
    const { clock, log } = setup();
    await log.observe('default', app('Degraded'));
    clock.set(T0 + 11 * H);
    await log.observe('default', app('Healthy', 99));
    expect([...(await log.spans()).values()].flat()).toMatchObject([
      { startedAt: T0 + 10 * H, resolvedAt: T0 + 11 * H },
    ]);
  });

  it('catches up in a sweep with what the watch missed, and writes nothing when nothing changed', async () => {
    const { clock, log } = setup();
    await log.reconcile([{ instance: 'default', app: app('Degraded', 9) }]);
    clock.set(T0 + 15 * H);
    await log.reconcile([{ instance: 'default', app: app('Missing', 14) }]);
    expect([...(await log.spans()).values()].flat()[0]?.resolvedAt).toBeUndefined();
    await log.reconcile([{ instance: 'default', app: app('Healthy', 14) }]);
    await log.reconcile([{ instance: 'default', app: app('Healthy', 14) }]);
    expect([...(await log.spans()).values()].flat()).toMatchObject([
      { startedAt: T0 + 9 * H, resolvedAt: T0 + 14 * H },
    ]);
  });

  it('forgets spans that ended before the retention', async () => {
    const { clock, log } = setup();
    await log.observe('default', app('Degraded', 1));
    await log.observe('default', app('Healthy', 2));
    await log.observe('default', app('Degraded', 3));
    clock.set(T0 + 31 * 24 * H);
    expect(await log.prune()).toBe(1);
    // The open one stays: it has not ended.
    expect([...(await log.spans()).values()].flat()).toMatchObject([{ startedAt: T0 + 3 * H }]);
  });

  it('splits a span when Argo CD says the app broke again since (deckhand did not see it recover)', async () => {
    const { clock, log } = setup();
    await log.observe('default', app('Degraded', 1));
    clock.set(T0 + 12 * H);
    await log.observe('default', app('Degraded', 9));
    expect([...(await log.spans()).values()].flat()).toMatchObject([
      { startedAt: T0 + H, resolvedAt: T0 + 9 * H },
      { startedAt: T0 + 9 * H },
    ]);
  });

  it('keeps the span of an app deleted while Degraded as never restored; the app made again starts clean', async () => {
    const { clock, log } = setup();
    await log.observe('default', app('Degraded', 1));
    await log.forget('default', app('Degraded', 1));
    await log.observe('default', app('Degraded', 5));
    const spans = [...(await log.spans()).values()].flat();
    expect(spans.map((x) => [x.startedAt, x.resolvedAt])).toEqual([
      [T0 + H, undefined],
      [T0 + 5 * H, undefined],
    ]);
    clock.set(T0 + 40 * 24 * H);
    expect(await log.prune()).toBe(1);
  });
});
