import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Actor } from './access.ts';
import { ActionService } from './actions.ts';
import { ManualClock } from './clock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { SqliteStore } from './store/sqlite.ts';

const who = (id: string): Actor => ({
  id,
  name: id,
  platform: 'console',
  platformUserId: id,
  groups: [],
  known: true,
});
const conv = { platform: 'console', channel: 'c' };

function service() {
  const clock = new ManualClock();
  const s = new ActionService(new SqliteStore(':memory:', clock), clock);
  s.register('t', {
    kind: 't.do',
    params: z.object({ n: z.number() }),
    permission: 'x.do',
    run: async () => undefined,
  });
  const create = (req: Partial<Parameters<ActionService['create']>[0]> = {}) =>
    s.create({ kind: 't.do', params: { n: 1 }, ...req }, { actor: who('alice'), conversation: conv });
  return { s, clock, create };
}

describe('ActionService', () => {
  it('issues opaque ids that carry nothing of the parameters', async () => {
    const { s, create } = service();
    const id = await create({ params: { n: 42 } });
    expect(id).toMatch(/^a_[A-Za-z0-9_-]{24}$/);
    expect(id).not.toContain('42');
    expect((await s.get(id))?.params).toEqual({ n: 42 });
  });

  it('refuses forged ids and unknown ones', async () => {
    const { s } = service();
    await expect(s.claim('gitops.approve:pr=42', who('bob'))).rejects.toThrow(NotFoundError);
    await expect(s.claim('a_' + 'x'.repeat(24), who('bob'))).rejects.toThrow(/unknown or too old/);
  });

  it('refuses an expired button', async () => {
    const { s, clock, create } = service();
    const id = await create({ ttlMs: 60_000 });
    clock.advance(60_001);
    await expect(s.claim(id, who('bob'))).rejects.toThrow(/expired/);
  });

  it('lets one of two simultaneous presses through, and none after it is done', async () => {
    const { s, create } = service();
    const id = await create();
    const results = await Promise.allSettled([s.claim(id, who('bob')), s.claim(id, who('dave'))]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(
      ConflictError,
    );
    const winner = (
      results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ claimedBy: string }>
    ).value.claimedBy;
    await s.complete(id, who(winner));
    await expect(s.claim(id, who('erin'))).rejects.toThrow(new RegExp(`Already done by ${winner}`));
  });

  it('can be pressed again after an expected refusal released it', async () => {
    const { s, create } = service();
    const id = await create();
    await s.claim(id, who('alice'));
    await s.release(id);
    expect((await s.claim(id, who('bob'))).claimedBy).toBe('bob');
  });

  it('keeps multi-use buttons usable and restricts buttons meant for some users', async () => {
    const { s, create } = service();
    const view = await create({ singleUse: false });
    await s.claim(view, who('b'));
    await s.complete(view, who('b'));
    expect((await s.claim(view, who('c'))).id).toBe(view);
    const mine = await create({ users: ['alice'] });
    await expect(s.claim(mine, who('bob'))).rejects.toThrow(/for alice only/);
  });
});
