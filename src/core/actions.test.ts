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
  return { s, clock };
}

describe('ActionService', () => {
  it('issues opaque ids that carry nothing of the parameters', () => {
    const { s } = service();
    const id = s.create({ kind: 't.do', params: { n: 42 } }, { actor: who('alice'), conversation: conv });
    expect(id).toMatch(/^a_[A-Za-z0-9_-]{24}$/);
    expect(id).not.toContain('42');
    expect(s.get(id)?.params).toEqual({ n: 42 });
  });

  it('refuses forged ids and unknown ones', () => {
    const { s } = service();
    expect(() => s.claim('gitops.approve:pr=42', who('bob'))).toThrow(NotFoundError);
    expect(() => s.claim('a_' + 'x'.repeat(24), who('bob'))).toThrow(/unknown or too old/);
  });

  it('refuses an expired button', () => {
    const { s, clock } = service();
    const id = s.create(
      { kind: 't.do', params: { n: 1 }, ttlMs: 60_000 },
      { actor: who('alice'), conversation: conv },
    );
    clock.advance(60_001);
    expect(() => s.claim(id, who('bob'))).toThrow(/expired/);
  });

  it('lets one of two simultaneous presses through, and none after it is done', () => {
    const { s } = service();
    const id = s.create({ kind: 't.do', params: { n: 1 } }, { actor: who('alice'), conversation: conv });
    expect(s.claim(id, who('bob')).claimedBy).toBe('bob');
    expect(() => s.claim(id, who('dave'))).toThrow(ConflictError);
    s.complete(id, who('bob'));
    expect(() => s.claim(id, who('dave'))).toThrow(/Already done by bob/);
  });

  it('can be pressed again after an expected refusal released it', () => {
    const { s } = service();
    const id = s.create({ kind: 't.do', params: { n: 1 } }, { actor: who('alice'), conversation: conv });
    s.claim(id, who('alice'));
    s.release(id);
    expect(s.claim(id, who('bob')).claimedBy).toBe('bob');
  });

  it('keeps multi-use buttons usable and restricts buttons meant for some users', () => {
    const { s } = service();
    const view = s.create(
      { kind: 't.do', params: { n: 1 }, singleUse: false },
      { actor: who('a'), conversation: conv },
    );
    s.claim(view, who('b'));
    s.complete(view, who('b'));
    expect(s.claim(view, who('c')).id).toBe(view);
    const mine = s.create(
      { kind: 't.do', params: { n: 1 }, users: ['alice'] },
      { actor: who('a'), conversation: conv },
    );
    expect(() => s.claim(mine, who('bob'))).toThrow(/for alice only/);
  });
});
