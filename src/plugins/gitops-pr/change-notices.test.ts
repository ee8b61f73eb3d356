import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { renderText } from '../../core/message/render-text.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { mergedNotice, outcomeNotice } from './change-notices.ts';
import { ChangeService, type Change } from './changes.ts';
import { GitOpsConfigSchema } from './config.ts';
import type { FollowUp } from './followup.ts';
import { conversation, replicasPlanner } from './testing.ts';

const change: Change = {
  id: 'ch_web_12_abc1234',
  app: 'web',
  instance: 'default',
  project: 'shop',
  repoURL: 'https://github.com/acme/infra',
  base: 'main',
  intent: { kind: 'replicas', replicas: 3 },
  title: 'web: scale to 3 replicas',
  branch: 'deckhand/scale/web-1234567',
  pr: { number: 12, url: 'https://github.com/acme/infra/pull/12' },
  headSha: 'a'.repeat(40),
  requester: 'alice',
  reason: 'Black Friday',
  conversation,
  createdAt: 0,
  summary: ['apps/web/deployment.yaml: Deployment web spec.replicas 2 → 3'],
  diff: '',
  state: 'open',
  environment: 'prod',
};

const services = (store: SqliteStore, clock: ManualClock) => {
  const make = () =>
    new ChangeService({
      hosts: [],
      store,
      plan: replicasPlanner,
      config: GitOpsConfigSchema.parse({}),
      clock,
    });
  return [make(), make()] as const;
};

describe('a change merged is told once', () => {
  it('by whichever writer marked it merged, not by the other, nor by later updates', async () => {
    const clock = new ManualClock();
    const store = new SqliteStore(':memory:', clock);
    // Two replicas' services over one store: both see the host's word of the merge at once.
    const [a, b] = services(store, clock);
    const told: string[] = [];
    a.onMerged((c) => told.push(`a:${c.mergedBy}`));
    b.onMerged((c) => told.push(`b:${c.mergedBy}`));
    await a.save(change);
    const merged = (c: Change): Change => ({
      ...c,
      state: 'merged',
      mergeSha: 'b'.repeat(40),
      mergedBy: c.mergedBy ?? 'bob',
    });
    await Promise.all([
      a.update(change.id, merged),
      b.update(change.id, merged),
      a.update(change.id, merged),
    ]);
    expect(told).toHaveLength(1);
    // Later updates of a merged change (its follow-up recorded) tell nothing more.
    await b.update(change.id, (c) => ({ ...c, reason: 'recorded' }));
    expect(told).toHaveLength(1);
    // A listener that throws does not undo the update.
    const c2 = { ...change, id: 'ch_other' };
    await a.save(c2);
    a.onMerged(() => {
      throw new Error('listener down');
    });
    expect((await a.update(c2.id, merged))?.state).toBe('merged');
    await store.close();
  });

  it('at least once: the notice is due in the merge’s own write, and a sweep claims what a dead process left', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new SqliteStore(':memory:', clock);
    const [a, b] = services(store, clock);
    a.onMerged(() => undefined);
    await a.save(change);
    await a.update(change.id, (c) => ({ ...c, state: 'merged', mergedBy: 'bob' }));
    // The process died here, before it queued the notice: the change says so.
    expect((await a.get(change.id))?.mergeNoticeDue).toBe(1_000_000);
    // Not yet: the process that recorded it may still be queuing it.
    expect(await b.claimDueMergeNotices(clock.now() - 60_000)).toEqual([]);
    clock.advance(60_001);
    // Two replicas sweeping at once: one claims it.
    const [x, y] = await Promise.all([
      a.claimDueMergeNotices(clock.now() - 60_000),
      b.claimDueMergeNotices(clock.now() - 60_000),
    ]);
    expect([...x, ...y].map((c) => c.id)).toEqual([change.id]);
    // Claimed for a minute: a sweep in between does not take it again.
    clock.advance(30_000);
    expect(await b.claimDueMergeNotices(clock.now() - 60_000)).toEqual([]);
    // Queued: crossed off for good.
    await b.mergeNoticed(change.id);
    clock.advance(120_000);
    expect(await a.claimDueMergeNotices(clock.now() - 60_000)).toEqual([]);
    expect((await a.get(change.id))?.mergeNoticeDue).toBeUndefined();
    // Without a listener (no sinks), nothing is ever due.
    const c3 = { ...change, id: 'ch_quiet' };
    await b.save(c3);
    await b.update(c3.id, (c) => ({ ...c, state: 'merged' }));
    expect((await b.get(c3.id))?.mergeNoticeDue).toBeUndefined();
    await store.close();
  });

  it('is the same delivery each time it is told: the same `once`', () => {
    const m = { ...change, state: 'merged' as const, mergedBy: 'bob' };
    expect(mergedNotice(m).once).toBe(mergedNotice(m).once);
    expect(mergedNotice(m).once).not.toBe(mergedNotice({ ...m, id: 'ch_other' }).once);
  });
});

describe('what sinks are told of a change', () => {
  it('merged: who asked, who merged, the commit, the summary and the pull request as a link', () => {
    const n = mergedNotice({ ...change, state: 'merged', mergeSha: 'b'.repeat(40), mergedBy: 'bob' });
    expect(n).toMatchObject({
      event: 'change.merged',
      subject: 'change/ch_web_12_abc1234',
      app: 'web',
      project: 'shop',
    });
    expect(n.message.header).toBe('web: scale to 3 replicas merged');
    const text = renderText(n.message);
    for (const part of [
      'Requested by: alice',
      'Merged by:    bob',
      'bbbbbbb',
      'spec.replicas 2 → 3',
      'Why: Black Friday',
      'https://github.com/acme/infra/pull/12',
    ])
      expect(text).toContain(part);
    expect(n.message.data?.change).toMatchObject({
      id: change.id,
      environment: 'prod',
      mergedBy: 'bob',
      requester: 'alice',
    });
  });

  it('the follow-up: live, or failed with chat’s action buttons left out and the pull request linked', () => {
    const f: FollowUp = {
      id: 'fu_x',
      app: 'web',
      instance: 'default',
      revision: 'b'.repeat(40),
      startedAt: 0,
      deadline: 1,
      conversation,
      what: 'scale to 3 replicas',
      changeId: change.id,
    };
    const said = {
      text: '❌ web is Degraded',
      tone: 'danger' as const,
      buttons: [{ actionId: 'act_revert', label: 'Revert', style: 'danger' as const }],
      data: { followUp: { outcome: 'degraded' } },
    };
    const failed = outcomeNotice(f, 'degraded', said, change)!;
    expect(failed).toMatchObject({
      event: 'change.failed',
      subject: 'change/ch_web_12_abc1234',
      project: 'shop',
    });
    expect(failed.message.header).toBe('web: scale to 3 replicas did not go live');
    expect(failed.message.buttons).toEqual([{ url: change.pr.url, label: 'Pull request #12' }]);
    expect(failed.message.data).toMatchObject({
      followUp: { outcome: 'degraded' },
      change: { id: change.id },
    });
    // Argo CD silent until the deadline: nobody can tell, and the header does not claim a failure.
    const silent = { text: '⚠️ Argo CD did not answer', data: { followUp: { outcome: 'unknown' } } };
    expect(outcomeNotice(f, 'timeout', silent, change)).toMatchObject({
      event: 'change.failed',
      message: { header: 'web: scale to 3 replicas not known to be live' },
    });
    expect(outcomeNotice(f, 'healthy', { text: 'ok' }, undefined)).toMatchObject({
      event: 'change.live',
      app: 'web',
    });
    // A follow-up of no change of deckhand's (none is named) is not a change's story.
    expect(outcomeNotice({ ...f, changeId: undefined }, 'timeout', said, undefined)).toBeUndefined();
  });
});
