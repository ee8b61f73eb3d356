/**
 * A host without webhooks: deckhand reads its open pull requests and learns of merges and closes
 * made there, leaving alone the ones it is merging itself. The webhook path is end to end
 * (test/e2e/git-host-events.test.ts); this is the poll, and the rules both share.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import type { AuditEntry } from '../../core/store/types.ts';
import type { Change } from './changes.ts';
import { HostEvents } from './host-events.ts';
import type { PullRequest } from './hosts/types.ts';

const change = (n: number, approval: string): Change =>
  ({
    id: `ch_${n}`,
    app: 'web',
    instance: 'default',
    title: 'web: scale to 3 replicas',
    repoURL: 'https://github.com/acme/infra.git',
    branch: `deckhand/replicas/web-${n}`,
    pr: { number: n, url: `https://github.com/acme/infra/pull/${n}` },
    state: 'open',
    approvalId: approval,
    conversation: { platform: 'test', channel: 'C1' },
  }) as unknown as Change;

function setup(pulls: Record<number, Partial<PullRequest>>, approvals: Record<string, string>) {
  const changes = new Map([1, 2, 3].map((n) => [`ch_${n}`, change(n, `ap_${n}`)]));
  const clock = new ManualClock(10 * 60_000);
  const audit: AuditEntry[] = [];
  const begun: string[] = [];
  const said: string[] = [];
  const finished: string[] = [];
  const events = new HostEvents({
    changes: {
      list: async (f = () => true) => [...changes.values()].filter(f),
      get: async (id) => changes.get(id),
      update: async (id, fn) => {
        const next = fn(changes.get(id) as Change);
        changes.set(id, next);
        return next;
      },
      host: () =>
        ({
          name: 'GitHub',
          getPullRequest: async (_url: string, n: number) => ({ state: 'open', ...pulls[n] }) as PullRequest,
        }) as never,
    },
    approvals: {
      get: async (id) => ({ id, state: approvals[id] ?? 'pending', payload: {} }) as never,
      // As ApprovalService.finish: only from the states given.
      finish: async (id, state, _outcome, _payload, _owner, from) => {
        const current = (approvals[id] ?? 'pending') as never;
        if (from && !from.includes(current)) return { id, state: current, payload: {} } as never;
        finished.push(id);
        return { id, state, payload: {} } as never;
      },
    },
    followUps: { begin: async (f) => (begun.push(f.revision), { done: Promise.resolve() }) },
    chat: {
      post: async (_c, m) => (said.push(m.text ?? ''), undefined as never),
      update: async () => undefined as never,
    },
    audit: { record: async (e) => void audit.push({ ts: 0, ...e }), query: async () => [] },
    clock,
    log: createLogger({ level: 'silent' }),
    followMs: 60_000,
  });
  return { events, changes, audit, begun, said, finished, clock };
}

describe('open pull requests read from a host without webhooks', () => {
  it('learn of a merge and a close made there, and leave deckhand’s own merge to it', async () => {
    const { events, changes, audit, begun, said } = setup(
      {
        1: { state: 'merged', mergeSha: 'c'.repeat(40), mergedBy: 'mona' },
        2: { state: 'closed' },
        3: { state: 'merged', mergeSha: 'd'.repeat(40) },
      },
      // deckhand is merging #3 itself: what the host says of it is deckhand's doing.
      { ap_3: 'merging' },
    );
    expect(await events.poll(() => true)).toBe(2);
    expect(changes.get('ch_1')).toMatchObject({
      state: 'merged',
      mergeSha: 'c'.repeat(40),
      mergedBy: 'mona on GitHub',
    });
    expect(changes.get('ch_2')?.state).toBe('closed');
    expect(changes.get('ch_3')?.state).toBe('open');
    expect(begun).toEqual(['c'.repeat(40)]);
    expect(audit.map((e) => [e.name, e.actor])).toEqual([
      ['host.merged', 'mona'],
      ['host.closed', 'someone'],
    ]);
    expect(said.join('\n')).toContain('#1 was merged by mona on GitHub at ccccccc');
    // Read again: nothing new, nothing said twice.
    expect(await events.poll(() => true)).toBe(0);
    expect(audit).toHaveLength(2);
  });

  it('reads only the hosts it is told to', async () => {
    const { events } = setup({ 1: { state: 'merged', mergeSha: 'c'.repeat(40) } }, {});
    expect(await events.poll(() => false)).toBe(0);
  });

  it("leaves deckhand's own merges and closes to it, and believes the host over a delivery", async () => {
    const { events, changes, audit, finished } = setup(
      { 1: { state: 'merged', mergeSha: 'c'.repeat(40) }, 2: { state: 'closed' }, 3: { state: 'open' } },
      { ap_2: 'rejected' },
    );
    const event = (number: number, kind: 'merged' | 'closed') => ({
      repoURL: 'https://github.com/acme/infra',
      number,
      kind,
      by: 'mona',
      host: 'GitHub',
    });
    // An automatic merge deckhand is making itself (begun a minute ago).
    changes.set('ch_1', { ...(changes.get('ch_1') as Change), selfMerge: 9 * 60_000 });
    expect(await events.handle(event(1, 'merged'))).toBe('merged by deckhand');
    // Rejected in chat: deckhand closes it.
    expect(await events.handle(event(2, 'closed'))).toBe('closed by deckhand');
    // A close the host does not show (an old delivery sent again).
    expect(await events.handle(event(3, 'closed'))).toBe('the host says it is not closed');
    expect(changes.get('ch_3')?.state).toBe('open');
    expect(audit).toEqual([]);
    expect(finished).toEqual([]);
  });

  it('ends the decision on a pull request closed there only while it waits for one', async () => {
    const { events, changes, finished } = setup(
      { 1: { state: 'closed' }, 2: { state: 'closed' } },
      { ap_1: 'expired', ap_2: 'approved' },
    );
    const closed = (number: number) => ({
      repoURL: 'https://github.com/acme/infra',
      number,
      kind: 'closed' as const,
      by: 'mona',
      host: 'GitHub',
    });
    expect(await events.handle(closed(1))).toBe('closed');
    expect(await events.handle(closed(2))).toBe('closed');
    expect([changes.get('ch_1')?.state, changes.get('ch_2')?.state]).toEqual(['closed', 'closed']);
    // The approved one is being carried out in chat: its merge finds the pull request closed.
    expect(finished).toEqual(['ap_1']);
  });

  it('records a merge whose own auto-merge began long ago and never finished (its process died)', async () => {
    const { events, changes, audit } = setup(
      { 1: { state: 'merged', mergeSha: 'c'.repeat(40), mergedBy: 'mona' } },
      {},
    );
    changes.set('ch_1', { ...(changes.get('ch_1') as Change), selfMerge: 0 });
    expect(
      await events.handle({
        repoURL: 'https://github.com/acme/infra',
        number: 1,
        kind: 'merged',
        by: 'mona',
        host: 'GitHub',
      }),
    ).toBe('merged: following');
    expect(audit.map((e) => e.name)).toEqual(['host.merged']);
  });
});
