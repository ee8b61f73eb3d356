import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { SqliteStore } from './sqlite.ts';

describe('SqliteStore', () => {
  it('stores, lists by prefix and deletes documents', async () => {
    const s = new SqliteStore(':memory:', new ManualClock());
    const c = s.collection<{ n: number }>('things');
    await c.put('app/a', { n: 1 });
    await c.put('app/b', { n: 2 });
    await c.put('other', { n: 3 });
    expect(await c.get('app/a')).toEqual({ n: 1 });
    expect((await c.list({ prefix: 'app/' })).map((r) => r.key)).toEqual(['app/a', 'app/b']);
    expect(await c.delete('app/a')).toBe(true);
    expect(await c.get('app/a')).toBeUndefined();
    expect(await s.collection('elsewhere').get('app/b')).toBeUndefined();
  });

  it('expires documents by the injected clock', async () => {
    const clock = new ManualClock();
    const s = new SqliteStore(':memory:', clock);
    const c = s.collection<string>('ttl');
    await c.put('k', 'v', { ttlMs: 1000 });
    clock.advance(999);
    expect(await c.get('k')).toBe('v');
    clock.advance(1);
    expect(await c.get('k')).toBeUndefined();
    expect(await c.insertIfAbsent('k', 'w')).toBe(true);
    expect(await c.insertIfAbsent('k', 'x')).toBe(false);
    expect(await s.sweep()).toBe(0);
  });

  it('update is a read-modify-write that can delete', async () => {
    const s = new SqliteStore(':memory:', new ManualClock());
    const c = s.collection<number>('counter');
    await Promise.all(Array.from({ length: 5 }, () => c.update('n', (v) => (v ?? 0) + 1)));
    expect(await c.get('n')).toBe(5);
    await c.update('n', () => undefined);
    expect(await c.get('n')).toBeUndefined();
  });

  it('survives a reopen (state outlives the process)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'deckhand-store-')), 'd.db');
    const a = new SqliteStore(file, new ManualClock());
    await a.collection<string>('x').put('k', 'kept');
    await a.audit.record({
      actor: 'alice',
      platform: 'console',
      kind: 'command',
      name: 'argo sync',
      app: 'web',
      outcome: 'ok',
    });
    await a.close();
    const b = new SqliteStore(file, new ManualClock());
    expect(await b.collection<string>('x').get('k')).toBe('kept');
    expect(await b.audit.query({ app: 'web' })).toHaveLength(1);
    await b.close();
  });

  it('queries the audit trail by app, actor, kind and time, newest first', async () => {
    const clock = new ManualClock();
    const s = new SqliteStore(':memory:', clock);
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
    expect((await s.audit.query({ since: clock.now() - 120_000 })).map((e) => e.actor)).toEqual([
      'alice',
      'bob',
    ]);
  });
});
