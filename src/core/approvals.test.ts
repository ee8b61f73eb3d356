import { describe, expect, it } from 'vitest';
import type { Actor } from './access.ts';
import { ApprovalService, ApprovalsConfigSchema, ExpiredError, LeaseLostError } from './approvals.ts';
import { ManualClock } from './clock.ts';
import { SqliteStore } from './store/sqlite.ts';

const who = (id: string, groups: string[] = []): Actor => ({
  id,
  name: id,
  platform: 'slack',
  platformUserId: id,
  groups,
  known: true,
});

function service(cfg: unknown = {}) {
  const clock = new ManualClock();
  const s = new ApprovalService(new SqliteStore(':memory:', clock), clock, ApprovalsConfigSchema.parse(cfg));
  const req = (app = 'naver-news', project = 'default') =>
    s.create({
      kind: 'gitops.change',
      subject: { app, project, title: 'scale to 3' },
      requester: 'alice',
      payload: { pr: 7 },
    });
  return { s, clock, req };
}

describe('approvals', () => {
  it('refuses the requester (four eyes) and accepts someone else', async () => {
    const { s, req } = service();
    const r = await req();
    await expect(s.approve(r.id, who('alice'))).rejects.toThrow(/Four eyes: alice asked for this change/);
    expect((await s.approve(r.id, who('bob'))).outcome).toBe('approved');
    expect((await s.get(r.id))?.state).toBe('approved');
  });

  it('lets exactly one of two simultaneous approvals execute', async () => {
    const { s, req } = service();
    const r = await req();
    const results = await Promise.allSettled([s.approve(r.id, who('bob')), s.approve(r.id, who('dave'))]);
    expect(results.filter((x) => x.status === 'fulfilled' && x.value.outcome === 'approved')).toHaveLength(1);
    expect(String((results.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(
      /approved this .*; it is being carried out/,
    );
  });

  it('counts approvals to the policy of the app, first matching policy wins', async () => {
    const { s, req } = service({
      policies: [
        { apps: ['*-prod'], required: 2 },
        { apps: ['*'], required: 1 },
      ],
    });
    const r = await req('flash-api-prod', 'flash-tickets');
    expect(await s.approve(r.id, who('bob'))).toMatchObject({ outcome: 'recorded', remaining: 1 });
    await expect(s.approve(r.id, who('bob'))).rejects.toThrow(/already approved/);
    expect((await s.approve(r.id, who('dave'))).outcome).toBe('approved');
    expect(s.policyFor('friend-app').required).toBe(1);
  });

  it('matches a policy by the environment of the change, and only a change that has one', () => {
    const { s } = service({
      policies: [
        { environments: ['prod'], required: 2 },
        { apps: ['*'], projects: ['flash-*'], environments: ['staging', 'dev'], required: 3 },
      ],
    });
    expect(s.policyFor('shop', 'default', 'prod').required).toBe(2);
    expect(s.policyFor('shop', 'flash-tickets', 'dev').required).toBe(3);
    // Every selector must match: the project here, and an environment at all.
    expect(s.policyFor('shop', 'default', 'dev').required).toBe(1);
    expect(s.policyFor('shop-prod', 'default').required).toBe(1);
  });

  it('limits approvers to listed users or groups when the policy says so', async () => {
    const { s, req } = service({ policies: [{ apps: ['naver-*'], approvers: { groups: ['slack:S0SRE'] } }] });
    const r = await req();
    await expect(s.approve(r.id, who('bob'))).rejects.toThrow(/Only slack:S0SRE may approve/);
    expect((await s.approve(r.id, who('erin', ['slack:S0SRE']))).outcome).toBe('approved');
  });

  it('refuses an expired request', async () => {
    const { s, clock, req } = service({ default: { expiresAfter: '30m' } });
    const r = await req();
    clock.advance(30 * 60_000 + 1);
    await expect(s.approve(r.id, who('bob'))).rejects.toThrow(/expired/);
  });

  it('records a rejection with its reason and refuses later approvals', async () => {
    const { s, req } = service();
    const r = await req();
    expect((await s.reject(r.id, who('bob'), 'not during the sale')).state).toBe('rejected');
    await expect(s.approve(r.id, who('dave'))).rejects.toThrow(/bob rejected this: not during the sale/);
  });

  it('returns to pending with no approvals when execution must be approved again', async () => {
    const { s, req } = service();
    const r = await req();
    await s.approve(r.id, who('bob'));
    await s.finish(r.id, 'pending', 'branch moved', { headSha: 'new' });
    expect(await s.get(r.id)).toMatchObject({
      state: 'pending',
      approvals: [],
      payload: { pr: 7, headSha: 'new' },
    });
    expect(await s.pendingCount()).toBe(1);
  });

  it('holds an approved request under a lease: no one else may take it until it runs out', async () => {
    const { s, clock, req } = service();
    const r = await req();
    const a = { owner: 'replica-a', leaseMs: 30_000 };
    expect((await s.approve(r.id, who('bob'), a)).outcome).toBe('approved');
    expect(await s.claim(r.id, 'replica-b', 30_000)).toBeUndefined();
    await expect(s.approve(r.id, who('dave'), { owner: 'replica-b', leaseMs: 30_000 })).rejects.toThrow(
      /being carried out \(approved\)/,
    );
    // Renewed while A works: still A's after the first term.
    clock.advance(20_000);
    expect(await s.heartbeat(r.id, 'replica-a', 30_000)).toBe(true);
    clock.advance(20_000);
    expect(await s.claim(r.id, 'replica-b', 30_000)).toBeUndefined();
    // A dies: the lease runs out, B takes over, and A's next step is refused.
    clock.advance(10_001);
    expect((await s.claim(r.id, 'replica-b', 30_000))?.lease?.owner).toBe('replica-b');
    await expect(s.step(r.id, 'replica-a', ['approved'], 'merging', { leaseMs: 30_000 })).rejects.toThrow(
      LeaseLostError,
    );
    expect(await s.heartbeat(r.id, 'replica-a', 30_000)).toBe(false);
    const merging = await s.step(r.id, 'replica-b', ['approved'], 'merging', { leaseMs: 30_000 });
    expect(merging).toMatchObject({ state: 'merging', lease: { owner: 'replica-b' } });
    // A step repeated (a retry after a lost answer) is refused, not applied twice.
    await expect(s.step(r.id, 'replica-b', ['approved'], 'merging', { leaseMs: 30_000 })).rejects.toThrow(
      /now merging/,
    );
    // Leaving the working states lets the lease go: nothing is stuck any more.
    const following = await s.step(r.id, 'replica-b', ['merging'], 'following', { leaseMs: 30_000 });
    expect(following.lease).toBeUndefined();
    clock.advance(60_000);
    expect(await s.claim(r.id, 'replica-c', 30_000)).toBeUndefined();
  });

  it('a press on a stuck request resumes it; one written as `executing` before leases is stuck', async () => {
    const { s, clock, req } = service();
    const r = await req();
    await s.approve(r.id, who('bob'), { owner: 'replica-a', leaseMs: 1_000 });
    clock.advance(1_001);
    const d = await s.approve(r.id, who('dave'), { owner: 'replica-b', leaseMs: 1_000 });
    expect(d).toMatchObject({
      outcome: 'resumed',
      request: { state: 'approved', lease: { owner: 'replica-b' } },
    });
    const old = await req();
    await s.patch(old.id, (x) => ({ ...x, state: 'executing' as never, approvals: [{ by: 'bob', at: 0 }] }));
    expect((await s.get(old.id))?.state).toBe('approved');
    expect(s.stuck((await s.get(old.id))!)).toBe(true);
  });

  it('an expired proposal is recorded as expired and says so on every later press', async () => {
    const { s, clock, req } = service();
    const r = await req();
    clock.advance(24 * 3_600_000 + 1);
    await expect(s.approve(r.id, who('bob'))).rejects.toThrow(ExpiredError);
    expect((await s.get(r.id))?.state).toBe('expired');
    await expect(s.approve(r.id, who('bob'))).rejects.toThrow(ExpiredError);
    // Still closable: an approver rejects what nobody can approve any more.
    expect((await s.reject(r.id, who('bob'))).state).toBe('rejected');
  });
  it('queues the completing approval in the same update when asked; one dequeue wins; expiry and rejection end it', async () => {
    const { s, clock, req } = service({ policies: [{ apps: ['*'], required: 2 }] });
    const r = await req();
    const queue = { outcome: 'waiting for 1 check (ci)', payload: { whenReady: { by: 'dave' } } };
    expect((await s.approve(r.id, who('bob'), undefined, queue)).outcome).toBe('recorded');
    const d = await s.approve(r.id, who('dave'), { owner: 'replica-a', leaseMs: 1000 }, queue);
    expect(d.outcome).toBe('queued');
    expect(d.request).toMatchObject({
      state: 'queued',
      outcome: 'waiting for 1 check (ci)',
      payload: { pr: 7, whenReady: { by: 'dave' } },
    });
    expect(d.request.lease).toBeUndefined();
    // Queued is nobody's work: no sweep takes it over, no press approves it again.
    expect(s.stuck(d.request)).toBe(false);
    await expect(s.approve(r.id, who('erin'))).rejects.toThrow(/approved this to merge when ready/);
    const [a, b] = await Promise.all([
      s.dequeue(r.id, 'replica-a', 1000),
      s.dequeue(r.id, 'replica-b', 1000),
    ]);
    expect([a?.state, b]).toEqual(['approved', undefined]);
    expect(a?.lease?.owner).toBe('replica-a');
    // Back to queued (a refusal), then past its time: expired once, and only once.
    await s.step(r.id, 'replica-a', ['approved'], 'queued', { leaseMs: 1000 });
    clock.advance(2 * 86_400_000);
    expect(await s.expire(r.id)).toBe(true);
    expect(await s.expire(r.id)).toBe(false);
    const other = await req();
    await s.approve(other.id, who('bob'), undefined, queue);
    await s.approve(other.id, who('dave'), undefined, queue);
    expect((await s.reject(other.id, who('erin'), 'not now')).state).toBe('rejected');
    expect(await s.dequeue(other.id, 'replica-a', 1000)).toBeUndefined();
  });
});
