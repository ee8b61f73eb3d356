import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestPostgres } from '../../../test/support/postgres.ts';
import { ManualClock } from '../clock.ts';
import { storeContract } from './contract.ts';
import { StoreConfigSchema } from '../config/schema.ts';
import { PostgresStore, postgresOptions, postgresSecrets } from './postgres.ts';

const server = await startTestPostgres();
const skipped = 'skipped' in server ? server.skipped : undefined;
// On CI every tool the suite needs is there: a missing PostgreSQL fails the run instead of skipping.
if (skipped && process.env.CI) throw new Error(`PostgreSQL is needed on CI: ${skipped}`);
if (skipped) console.warn(`PostgresStore tests skipped: ${skipped}`);
afterAll(async () => {
  if (server.url) await server.stop();
});

describe.skipIf(!server.url)(`PostgresStore${skipped ? ` (skipped: ${skipped})` : ''}`, () => {
  if (!server.url) return;
  storeContract('PostgresStore', async () => {
    const url = await server.freshUrl();
    return { open: (clock) => PostgresStore.open({ url, maxConnections: 3 }, clock) };
  });

  it('migrates once when several replicas open the same database together', async () => {
    const url = await server.freshUrl();
    const stores = await Promise.all(
      Array.from({ length: 3 }, () => PostgresStore.open({ url, maxConnections: 2 }, new ManualClock())),
    );
    await stores[0]?.collection<string>('x').put('k', 'v');
    expect(await stores[2]?.collection<string>('x').get('k')).toBe('v');
    await Promise.all(stores.map((s) => s.close()));
  });

  it('a connection that breaks as it is handed over (before its taker listens) is discarded, not fatal', async () => {
    // A database restart can put ReadyForQuery and the 57P01 FATAL in one TCP chunk: pg-pool hands
    // the client to the next waiter (removing its idle listener) and the same parse emits 'error'
    // before the waiter's code runs. With no listener Node ends the process (seen on a replica).
    const url = await server.freshUrl();
    const heard: Error[] = [];
    const store = await PostgresStore.open(
      { url, maxConnections: 1, onConnectionError: (e) => heard.push(e) },
      new ManualClock(),
    );
    const pool = (store as unknown as { pool: pg.Pool }).pool;
    let broke = false;
    pool.once('acquire', (client) => {
      broke = true;
      // Runs after pg-pool removed the idle listener and before tx() adds its own. What pg's client
      // does with an ErrorResponse that no query is waiting for (pg/lib/client.js
      // _handleErrorMessage → _handleErrorEvent): mark itself unusable and emit 'error'.
      const fatal = new Error('terminating connection due to administrator command');
      queueMicrotask(() =>
        (client as unknown as { _handleErrorEvent(e: Error): void })._handleErrorEvent(fatal),
      );
    });
    // tx() is where a checked-out client waits for its taker: pool.query listens synchronously.
    await expect(store.tx((c) => c.query('SELECT 1'))).rejects.toThrow(/not queryable/);
    expect(broke).toBe(true);
    expect(heard.map((e) => e.message)).toEqual(['terminating connection due to administrator command']);
    const docs = store.collection<string>('x');
    // The broken connection is gone from the pool: the next write gets a fresh one.
    await docs.put('k', 'w');
    expect(await docs.get('k')).toBe('w');
    await store.close();
  });

  it('open reports a database it cannot reach', async () => {
    const u = new URL(server.url);
    u.pathname = '/no_such_database';
    await expect(PostgresStore.open({ url: u.toString() }, new ManualClock())).rejects.toThrow(
      /no_such_database/,
    );
  });
});

describe('PostgresStore configuration', () => {
  it('takes the URL inline or from a file (a mounted Secret), not both and not neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-pgurl-'));
    try {
      const file = join(dir, 'postgres-url');
      writeFileSync(file, 'postgresql://deckhand:s3cret@db:5432/deckhand\n');
      const fromFile = StoreConfigSchema.parse({ postgres: { urlFile: file } }).postgres;
      expect(postgresOptions(fromFile ?? {})).toEqual({
        url: 'postgresql://deckhand:s3cret@db:5432/deckhand',
        maxConnections: 4,
      });
      const inline = StoreConfigSchema.parse({ postgres: { url: 'postgresql://db/x', maxConnections: 2 } });
      expect(postgresOptions(inline.postgres ?? {})).toEqual({ url: 'postgresql://db/x', maxConnections: 2 });
      expect(StoreConfigSchema.safeParse({ postgres: { url: 'a', urlFile: file } }).success).toBe(false);
      expect(StoreConfigSchema.safeParse({ postgres: {} }).success).toBe(false);
      expect(StoreConfigSchema.parse({}).postgres).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the URL and its password as secrets for the log redactor', () => {
    expect(postgresSecrets('postgresql://deckhand:p%40ss@db/deckhand')).toEqual([
      'postgresql://deckhand:p%40ss@db/deckhand',
      'p@ss',
    ]);
    expect(postgresSecrets('postgresql://db/deckhand')).toEqual(['postgresql://db/deckhand']);
  });
});
