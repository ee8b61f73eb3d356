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
  it('refuses the requester (four eyes) and accepts someone else', () => {
    const { s, req } = service();
    const r = req();
    expect(() => s.approve(r.id, who('alice'))).toThrow(/Four eyes: alice asked for this change/);
    expect(s.approve(r.id, who('bob')).outcome).toBe('approved');
    expect(s.get(r.id)?.state).toBe('executing');
  });

  it('lets exactly one of two simultaneous approvals execute', () => {
    const { s, req } = service();
    const r = req();
    const results = [who('bob'), who('dave')].map((a) => {
      try {
        return s.approve(r.id, a).outcome;
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(results.filter((x) => x === 'approved')).toHaveLength(1);
    expect(results.find((x) => x !== 'approved')).toMatch(/approved this a moment ago/);
  });

  it('counts approvals to the policy of the app, first matching policy wins', () => {
    const { s, req } = service({
      policies: [
        { apps: ['*-prod'], required: 2 },
        { apps: ['*'], required: 1 },
      ],
    });
    const r = req('flash-api-prod', 'flash-tickets');
    expect(s.approve(r.id, who('bob'))).toMatchObject({ outcome: 'recorded', remaining: 1 });
    expect(() => s.approve(r.id, who('bob'))).toThrow(/already approved/);
    expect(s.approve(r.id, who('dave')).outcome).toBe('approved');
    expect(s.policyFor('friend-app').required).toBe(1);
  });

  it('limits approvers to listed users or groups when the policy says so', () => {
    const { s, req } = service({ policies: [{ apps: ['naver-*'], approvers: { groups: ['slack:S0SRE'] } }] });
    const r = req();
    expect(() => s.approve(r.id, who('bob'))).toThrow(/Only slack:S0SRE may approve/);
    expect(s.approve(r.id, who('erin', ['slack:S0SRE'])).outcome).toBe('approved');
  });

  it('refuses an expired request', () => {
    const { s, clock, req } = service({ default: { expiresAfter: '30m' } });
    const r = req();
    clock.advance(30 * 60_000 + 1);
    expect(() => s.approve(r.id, who('bob'))).toThrow(/expired/);
  });

  it('records a rejection with its reason and refuses later approvals', () => {
    const { s, req } = service();
    const r = req();
    expect(s.reject(r.id, who('bob'), 'not during the sale').state).toBe('rejected');
    expect(() => s.approve(r.id, who('dave'))).toThrow(/bob rejected this: not during the sale/);
  });

  it('returns to pending with no approvals when execution must be approved again', () => {
    const { s, req } = service();
    const r = req();
    s.approve(r.id, who('bob'));
    s.finish(r.id, 'pending', 'branch moved', { headSha: 'new' });
    expect(s.get(r.id)).toMatchObject({
      state: 'pending',
      approvals: [],
      payload: { pr: 7, headSha: 'new' },
    });
    expect(s.pendingCount()).toBe(1);
  });
});
