import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { RemediationConfigSchema, type Rule } from './config.ts';
import { Guardrails } from './guardrails.ts';

const rule = (over: Partial<Rule> = {}): Rule =>
  ({
    name: 'oom',
    match: { categories: ['OOMKilled'] },
    action: { kind: 'resources', resource: 'memory', factor: 1.5, max: '2Gi', requests: false },
    mode: 'auto',
    cooldown: 30 * 60_000,
    revertOnFailure: false,
    ...over,
  }) as Rule;

function setup(guardrails: unknown = {}) {
  const clock = new ManualClock(Date.parse('2026-11-24T10:00:00Z')); // a Tuesday
  const cfg = RemediationConfigSchema.parse({ guardrails });
  return { g: new Guardrails(new SqliteStore(':memory:', clock), clock, cfg.guardrails), clock };
}

describe('remediation guardrails', () => {
  it('lets the first change through, then holds until it is Healthy, then applies the cooldown', async () => {
    const { g, clock } = setup();
    expect(await g.holdReason(rule(), 'naver-news')).toBeNull();
    const key = await g.record({ app: 'naver-news', action: 'resources', rule: 'oom' });
    expect(await g.holdReason(rule(), 'naver-news')).toMatch(/has not become Healthy yet/);
    await g.settle(key, 'healthy');
    clock.advance(10 * 60_000);
    expect(await g.holdReason(rule(), 'naver-news')).toMatch(
      /cooldown: the last resources change to naver-news was 10m ago/,
    );
    clock.advance(21 * 60_000);
    expect(await g.holdReason(rule(), 'naver-news')).toBeNull();
  });

  it('caps changes per app per day and across apps per hour', async () => {
    const { g, clock } = setup({ maxPerAppPerDay: 2, maxPerHour: 3 });
    for (const app of ['a', 'a']) {
      await g.settle(await g.record({ app, action: 'restart', rule: 'r' }), 'healthy');
      clock.advance(60_000);
    }
    expect(await g.holdReason(rule({ cooldown: 0 }), 'a')).toMatch(/a had 2 automatic changes in 24 h/);
    await g.settle(await g.record({ app: 'b', action: 'restart', rule: 'r' }), 'healthy');
    expect(await g.holdReason(rule({ cooldown: 0 }), 'c')).toMatch(/3 automatic changes in the last hour/);
  });

  it('holds everything while paused, and names who paused', async () => {
    const { g } = setup();
    await g.pause('carol');
    expect(await g.holdReason(rule(), 'x')).toBe('automatic remediation is paused (kill switch, by carol)');
    await g.resume();
    expect(await g.holdReason(rule(), 'x')).toBeNull();
  });

  it('holds outside the window, in its time zone', async () => {
    const { g, clock } = setup({ window: { from: '09:00', to: '18:00', timeZone: 'Asia/Seoul' } });
    // 10:00Z is 19:00 in Seoul: outside.
    expect(await g.holdReason(rule(), 'x')).toMatch(/outside the remediation window/);
    clock.set('2026-11-24T01:00:00Z'); // 10:00 in Seoul, a Tuesday
    expect(await g.holdReason(rule(), 'x')).toBeNull();
  });

  it('holds while the app has a deckhand pull request open', async () => {
    const { g } = setup();
    expect(await g.holdReason(rule(), 'x', { number: 12 })).toBe(
      'x already has a deckhand pull request open (#12)',
    );
  });

  it('names the guardrail that holds', async () => {
    const { g } = setup();
    expect(await g.hold(rule(), 'x', { number: 3 })).toMatchObject({ guardrail: 'open-pull-request' });
    await g.record({ app: 'x', action: 'resources', rule: 'oom' });
    expect(await g.hold(rule(), 'x')).toMatchObject({ guardrail: 'not-healthy' });
    await g.pause('carol');
    expect(await g.hold(rule(), 'x')).toMatchObject({ guardrail: 'paused' });
  });

  it('keeps holding after a change that did not become Healthy, until a person acknowledges it', async () => {
    const { g, clock } = setup();
    const key = await g.record({ app: 'x', action: 'resources', rule: 'oom' });
    await g.settle(key, 'degraded', { changeId: 'ch_1', pr: 7 });
    clock.advance(2 * 3_600_000);
    expect(await g.hold(rule(), 'x')).toEqual({
      guardrail: 'not-healthy',
      reason:
        'the last automatic change to x (resources #7, rule oom) did not make it Healthy (degraded); a person has to look first (`remediation resume x` when done)',
    });
    expect(await g.acknowledge('y')).toBe(0);
    expect(await g.acknowledge('x')).toBe(1);
    expect(await g.hold(rule(), 'x')).toBeNull();
    expect((await g.find('ch_1'))?.change.state).toBe('acknowledged');
  });

  it('forgets an attempt that merged nothing, so it counts against no limit', async () => {
    const { g } = setup({ maxPerAppPerDay: 1 });
    const key = await g.record({ app: 'x', action: 'restart', rule: 'r' });
    expect(await g.hold(rule({ cooldown: 0 }), 'x')).not.toBeNull();
    await g.forget(key);
    expect(await g.hold(rule({ cooldown: 0 }), 'x')).toBeNull();
    expect(await g.recent()).toEqual([]);
  });

  it('keeps its state in the store: a restarted bot still knows the pause and the history', async () => {
    const clock = new ManualClock(Date.parse('2026-11-24T10:00:00Z'));
    const store = new SqliteStore(':memory:', clock);
    const cfg = RemediationConfigSchema.parse({}).guardrails;
    const first = new Guardrails(store, clock, cfg);
    await first.pause('carol');
    await first.record({ app: 'x', action: 'resources', rule: 'oom' });
    const second = new Guardrails(store, clock, cfg);
    expect(await second.paused()).toMatchObject({ by: 'carol' });
    await second.resume();
    expect(await second.hold(rule(), 'x')).toMatchObject({ guardrail: 'not-healthy' });
  });

  it('gives the lock to one of two simultaneous decisions', async () => {
    const { g } = setup();
    expect(await Promise.all([g.lock('naver-news'), g.lock('naver-news')])).toEqual([true, false]);
    await g.unlock('naver-news');
    expect(await g.lock('naver-news')).toBe(true);
  });
});

describe('remediation rules in config', () => {
  const problems = (rules: unknown) => {
    const r = RemediationConfigSchema.safeParse({ rules });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  it('accepts the four actions', () => {
    expect(
      problems([
        {
          name: 'oom',
          match: { categories: ['OOMKilled'] },
          action: { kind: 'resources', factor: 1.5, max: '2Gi' },
          mode: 'auto',
        },
        {
          name: 'scale',
          match: { categories: ['AutoscalerLimited'] },
          action: { kind: 'replicas', step: 1, max: 10 },
        },
        { name: 'restart', match: { categories: ['ProbeFailure'] }, action: { kind: 'restart' } },
        { name: 'image', match: { categories: ['ImagePullError'] }, action: { kind: 'image-revert' } },
      ]),
    ).toEqual([]);
  });
  it('rejects a disallowed action, a malformed quantity and min > max with their paths', () => {
    expect(
      problems([{ name: 'x', match: { categories: ['OOMKilled'] }, action: { kind: 'kubectl-delete' } }]),
    ).toEqual(['rules.0.action.kind: action.kind must be one of resources, replicas, restart, image-revert']);
    expect(
      problems([
        {
          name: 'x',
          match: { categories: ['OOMKilled'] },
          action: { kind: 'resources', factor: 1.5, max: 'lots' },
        },
      ]),
    ).toEqual(['rules.0.action.max: not a memory quantity']);
    expect(
      problems([
        {
          name: 'x',
          match: { categories: ['AutoscalerLimited'] },
          action: { kind: 'replicas', min: 5, max: 2 },
        },
      ]),
    ).toEqual(['rules.0.action.min: min must not exceed max']);
    expect(
      problems([{ name: 'x', match: { categories: ['Flaky'] }, action: { kind: 'restart' } }])[0],
    ).toMatch(/^rules\.0\.match\.categories\.0: Invalid option/);
  });
});
