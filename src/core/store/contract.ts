/**
 * What every Store implementation must do, as tests both stores run. `database()` makes a fresh,
 * empty database and returns how to open a store on it; opening twice gives two stores on the same
 * database, the way two processes or two replicas share one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../clock.ts';
import type { Store } from './types.ts';

export interface ContractDatabase {
  open(clock: Clock): Promise<Store>;
}

export function storeContract(name: string, database: () => Promise<ContractDatabase>): void {
  describe(`${name} (store contract)`, () => {
    const opened: Store[] = [];
    const fresh = async (clock: Clock = new ManualClock()) => {
      const db = await database();
      const open = async (c: Clock = clock) => {
        const s = await db.open(c);
        opened.push(s);
        return s;
      };
      return { store: await open(), open };
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('stores, lists by prefix and deletes documents', async () => {
      const { store: s } = await fresh();
      const c = s.collection<{ n: number }>('things');
      await c.put('app/b', { n: 2 });
      await c.put('app/a', { n: 1 });
      await c.put('other', { n: 3 });
      expect(await c.get('app/a')).toEqual({ n: 1 });
      expect((await c.list({ prefix: 'app/' })).map((r) => r.key)).toEqual(['app/a', 'app/b']);
      expect((await c.list()).map((r) => r.key)).toEqual(['app/a', 'app/b', 'other']);
      expect((await c.list({ limit: 1 })).map((r) => r.value)).toEqual([{ n: 1 }]);
      expect(await c.delete('app/a')).toBe(true);
      expect(await c.delete('app/a')).toBe(false);
      expect(await c.get('app/a')).toBeUndefined();
      expect(await s.collection('elsewhere').get('app/b')).toBeUndefined();
    });

    it('keeps JSON values of every shape', async () => {
      const { store: s } = await fresh();
      const c = s.collection<unknown>('shapes');
      const values: unknown[] = [
        'text',
        42,
        true,
        null,
        [1, 'two'],
        { nested: { list: [{ a: 1 }] }, emoji: '🚀' },
      ];
      for (const [i, v] of values.entries()) await c.put(`k${i}`, v);
      for (const [i, v] of values.entries()) expect(await c.get(`k${i}`)).toEqual(v);
    });

    it('expires documents by the injected clock', async () => {
      const clock = new ManualClock();
      const { store: s } = await fresh(clock);
      const c = s.collection<string>('ttl');
      await c.put('k', 'v', { ttlMs: 1000 });
      clock.advance(999);
      expect(await c.get('k')).toBe('v');
      expect((await c.list()).map((r) => r.key)).toEqual(['k']);
      clock.advance(1);
      expect(await c.get('k')).toBeUndefined();
      expect(await c.list()).toEqual([]);
      expect(await c.insertIfAbsent('k', 'w')).toBe(true);
      expect(await c.insertIfAbsent('k', 'x')).toBe(false);
      expect(await c.get('k')).toBe('w');
      expect(await s.sweep()).toBe(0);
    });

    it('sweeps expired documents and only those', async () => {
      const clock = new ManualClock();
      const { store: s } = await fresh(clock);
      const c = s.collection<string>('ttl');
      await c.put('short', 'a', { ttlMs: 1000 });
      await c.put('long', 'b', { ttlMs: 5000 });
      await c.put('forever', 'c');
      clock.advance(2000);
      expect(await s.sweep()).toBe(1);
      expect((await c.list()).map((r) => r.key)).toEqual(['forever', 'long']);
    });

    it('update is a read-modify-write that can delete and keeps a live expiry', async () => {
      const clock = new ManualClock();
      const { store: s } = await fresh(clock);
      const c = s.collection<number>('counter');
      await Promise.all(Array.from({ length: 5 }, () => c.update('n', (v) => (v ?? 0) + 1)));
      expect(await c.get('n')).toBe(5);
      expect(await c.update('n', () => undefined)).toBeUndefined();
      expect(await c.get('n')).toBeUndefined();

      await c.put('t', 1, { ttlMs: 1000 });
      clock.advance(500);
      expect(await c.update('t', (v) => (v ?? 0) + 1)).toBe(2);
      clock.advance(500);
      expect(await c.get('t')).toBeUndefined();
      expect(await c.update('t', (v) => (v ?? 10) + 1)).toBe(11);
    });

    it('survives a reopen (state outlives the process)', async () => {
      const { store: a, open } = await fresh();
      await a.collection<string>('x').put('k', 'kept');
      await a.audit.record({
        actor: 'alice',
        platform: 'console',
        kind: 'command',
        name: 'argo sync',
        app: 'web',
        outcome: 'ok',
        detail: { revision: 'abc123' },
      });
      await a.close();
      const b = await open();
      expect(await b.collection<string>('x').get('k')).toBe('kept');
      const [entry, ...rest] = await b.audit.query({ app: 'web' });
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({ actor: 'alice', name: 'argo sync', detail: { revision: 'abc123' } });
      expect(entry?.channel).toBeUndefined();
    });

    it('queries the audit trail by app, actor, kind and time, newest first', async () => {
      const clock = new ManualClock();
      const { store: s } = await fresh(clock);
      const rec = async (actor: string, app: string, kind = 'command') => {
        await s.audit.record({ actor, platform: 'slack', kind, name: 'x', app, outcome: 'ok' });
        clock.advance(60_000);
      };
      await rec('alice', 'web');
      await rec('bob', 'web');
      await rec('alice', 'api', 'merge');
      expect((await s.audit.query({ app: 'web' })).map((e) => e.actor)).toEqual(['bob', 'alice']);
      expect((await s.audit.query({ actor: 'alice' })).map((e) => e.app)).toEqual(['api', 'web']);
      expect(await s.audit.query({ kind: 'merge' })).toHaveLength(1);
      expect(await s.audit.query({ actor: 'alice', kind: 'merge', app: 'web' })).toEqual([]);
      expect((await s.audit.query({ since: clock.now() - 120_000 })).map((e) => e.actor)).toEqual([
        'alice',
        'bob',
      ]);
      expect(await s.audit.query({ limit: 2 })).toHaveLength(2);
    });

    it('two stores on one database (two replicas) never lose an increment', async () => {
      const { store: a, open } = await fresh();
      const b = await open();
      const inc = (v: number | undefined) => (v ?? 0) + 1;
      const ca = a.collection<number>('counter');
      const cb = b.collection<number>('counter');
      // Open every pooled connection first, so the updates below really run side by side.
      await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? ca : cb).get('warm-up')));
      // Starts on a key that does not exist yet, the case a row lock alone cannot cover.
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? ca : cb).update('n', inc)));
      expect(await ca.get('n')).toBe(40);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? ca : cb).update('n', inc)));
      expect(await cb.get('n')).toBe(80);

      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? ca : cb).insertIfAbsent('once', i)),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });
  });
}
