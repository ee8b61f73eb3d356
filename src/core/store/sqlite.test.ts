import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.ts';
import { storeContract } from './contract.ts';
import { SqliteStore } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'deckhand-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('SqliteStore', async () => {
  const file = join(dir, `d${++n}.db`);
  return { open: async (clock) => new SqliteStore(file, clock) };
});

describe('SqliteStore', () => {
  it('runs in memory too', async () => {
    const s = new SqliteStore(':memory:', new ManualClock());
    await s.collection<number>('c').put('k', 1);
    expect(await s.collection<number>('c').get('k')).toBe(1);
    await s.close();
  });
});
