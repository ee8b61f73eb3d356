import { describe, expect, it } from 'vitest';
import type { Actor } from './access.ts';
import { ApprovalService, ApprovalsConfigSchema } from './approvals.ts';
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
    expect((await s.get(r.id))?.state).toBe('executing');
  });

  it('lets exactly one of two simultaneous approvals execute', async () => {
    const { s, req } = service();
    const r = await req();
    const results = await Promise.allSettled([s.approve(r.id, who('bob')), s.approve(r.id, who('dave'))]);
    expect(results.filter((x) => x.status === 'fulfilled' && x.value.outcome === 'approved')).toHaveLength(1);
    expect(String((results.find((x) => x.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(
      /approved this a moment ago/,
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
});
