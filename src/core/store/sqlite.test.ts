import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { SqliteStore } from './sqlite.ts';

describe('SqliteStore', () => {
  it('stores, lists by prefix and deletes documents', () => {
    const s = new SqliteStore(':memory:', new ManualClock());
    const c = s.collection<{ n: number }>('things');
    c.put('app/a', { n: 1 });
    c.put('app/b', { n: 2 });
    c.put('other', { n: 3 });
    expect(c.get('app/a')).toEqual({ n: 1 });
    expect(c.list({ prefix: 'app/' }).map((r) => r.key)).toEqual(['app/a', 'app/b']);
    expect(c.delete('app/a')).toBe(true);
    expect(c.get('app/a')).toBeUndefined();
    expect(s.collection('elsewhere').get('app/b')).toBeUndefined();
  });

  it('expires documents by the injected clock', () => {
    const clock = new ManualClock();
    const s = new SqliteStore(':memory:', clock);
    const c = s.collection<string>('ttl');
    c.put('k', 'v', { ttlMs: 1000 });
    clock.advance(999);
    expect(c.get('k')).toBe('v');
    clock.advance(1);
    expect(c.get('k')).toBeUndefined();
    expect(c.insertIfAbsent('k', 'w')).toBe(true);
    expect(c.insertIfAbsent('k', 'x')).toBe(false);
    expect(s.sweep()).toBe(0);
  });

  it('update is a read-modify-write that can delete', () => {
    const s = new SqliteStore(':memory:', new ManualClock());
    const c = s.collection<number>('counter');
    for (let i = 0; i < 5; i++) c.update('n', (v) => (v ?? 0) + 1);
    expect(c.get('n')).toBe(5);
    c.update('n', () => undefined);
    expect(c.get('n')).toBeUndefined();
  });

  it('survives a reopen (state outlives the process)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'deckhand-store-')), 'd.db');
    const a = new SqliteStore(file, new ManualClock());
    a.collection<string>('x').put('k', 'kept');
    a.audit.record({
      actor: 'alice',
      platform: 'console',
      kind: 'command',
      name: 'argo sync',
      app: 'web',
      outcome: 'ok',
    });
    a.close();
    const b = new SqliteStore(file, new ManualClock());
    expect(b.collection<string>('x').get('k')).toBe('kept');
    expect(b.audit.query({ app: 'web' })).toHaveLength(1);
    b.close();
  });

  it('queries the audit trail by app, actor, kind and time, newest first', () => {
    const clock = new ManualClock();
    const s = new SqliteStore(':memory:', clock);
    const rec = (actor: string, app: string, kind = 'command') => {
      s.audit.record({ actor, platform: 'slack', kind, name: 'x', app, outcome: 'ok' });
      clock.advance(60_000);
    };
    rec('alice', 'web');
    rec('bob', 'web');
    rec('alice', 'api', 'merge');
    expect(s.audit.query({ app: 'web' }).map((e) => e.actor)).toEqual(['bob', 'alice']);
    expect(s.audit.query({ actor: 'alice' }).map((e) => e.app)).toEqual(['api', 'web']);
    expect(s.audit.query({ kind: 'merge' })).toHaveLength(1);
    expect(s.audit.query({ since: clock.now() - 120_000 }).map((e) => e.actor)).toEqual(['alice', 'bob']);
  });
});
