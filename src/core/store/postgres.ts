/**
 * The Store on PostgreSQL, for several replicas sharing one state. Documents live in one table
 * (collection, id, jsonb value, expiry); a read-modify-write is a transaction that locks the row
 * with SELECT … FOR UPDATE, so two replicas pressing one button serialise. Migrations run at open,
 * under an advisory lock, so replicas starting together do not race.
 */
import pg from 'pg';
import type { Clock } from '../clock.ts';
import { UpstreamError } from '../errors.ts';
import type { PostgresStoreOptions } from './postgres-config.ts';
import type { AuditEntry, AuditLog, AuditQuery, Collection, Store } from './types.ts';

export { postgresOptions, postgresSecrets, type PostgresStoreOptions } from './postgres-config.ts';

// The id column sorts bytewise (COLLATE "C") so lists come out in the order SQLite gives them.
const migrations: string[] = [
  `CREATE TABLE deckhand_docs (
     collection TEXT NOT NULL, id TEXT COLLATE "C" NOT NULL, value JSONB NOT NULL,
     expires_at BIGINT, updated_at BIGINT NOT NULL,
     PRIMARY KEY (collection, id));
   CREATE INDEX deckhand_docs_expires ON deckhand_docs (expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE deckhand_audit (
     id BIGSERIAL PRIMARY KEY, ts BIGINT NOT NULL, actor TEXT NOT NULL, platform TEXT NOT NULL,
     channel TEXT, kind TEXT NOT NULL, name TEXT NOT NULL, app TEXT, outcome TEXT NOT NULL,
     detail JSONB);
   CREATE INDEX deckhand_audit_ts ON deckhand_audit (ts);
   CREATE INDEX deckhand_audit_app ON deckhand_audit (app, ts);`,
];

/**
 * A failure that means "the database is not there" rather than "this statement was wrong", so the
 * person who asked reads that, not an internal error: SQLSTATE class 08 (connection exception),
 * 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now — a restart), socket errors, and
 * pg-pool's connection timeout. https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
function unavailable(e: unknown): UpstreamError | undefined {
  const err = e as { code?: string; message?: string };
  const code = typeof err.code === 'string' ? err.code : '';
  const msg = err.message ?? String(e);
  const down =
    code.startsWith('08') ||
    /^57P0[123]$/.test(code) ||
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code) ||
    /timeout exceeded when trying to connect|Connection terminated|not queryable/i.test(msg);
  if (!down) return undefined;
  return new UpstreamError(
    'store',
    'unreachable',
    `deckhand's database (PostgreSQL) is unavailable: ${msg}.`,
    {
      cause: e,
      hint: 'Nothing that needed it was done; try again when it is back (/readyz says when).',
    },
  );
}

/** The advisory lock key that serialises migrations (any constant; "deckhand" in ASCII). */
const MIGRATION_LOCK = 0x6465636b68616e64n.toString();

export class PostgresStore implements Store {
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly onConnectionError: (err: Error) => void;
  private readonly ready: Promise<void>;
  private closed = false;
  readonly audit: AuditLog;

  /** Prefer {@link PostgresStore.open}, which reports a failed connection or migration at once. */
  constructor(opts: PostgresStoreOptions, clock: Clock) {
    this.clock = clock;
    this.onConnectionError = opts.onConnectionError ?? (() => {});
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.maxConnections ?? 4,
      // Without it a query waits for a connection for ever when the database host is unreachable
      // (pg's default is no timeout): callers must get an answer within seconds that says so.
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    });
    // A connection that breaks while idle in the pool (a database restart: PostgreSQL sends 57P01
    // to every session) must not crash the process; the pool drops it and the next query opens a
    // fresh one. node-postgres emits these on the pool only for idle clients (pg-pool's
    // idleListener); a checked-out client needs its own listener — see tx().
    this.pool.on('error', (err) => this.onConnectionError(err));
    // Between pg-pool handing a client over (its idle listener removed) and tx() listening, the
    // same TCP chunk can carry the server's 57P01 after ReadyForQuery: the client emits 'error'
    // with nobody listening, and Node ends the process (a replica died so in a restart test).
    // A listener for the client's whole life closes that gap; the client is already marked
    // unusable (pg's _queryable), so its next statement fails and release() discards it.
    this.pool.on('connect', (client) =>
      client.on('error', (err) => {
        // Heard by nobody else (the gap above): still worth the log line the others give.
        if (client.listenerCount('error') === 1) this.onConnectionError(err);
      }),
    );
    this.ready = this.migrate();
    // Callers see a failed migration through their first query; this keeps it from being unhandled.
    this.ready.catch(() => {});
    this.audit = new PostgresAudit(this);
  }

  static async open(opts: PostgresStoreOptions, clock: Clock): Promise<PostgresStore> {
    const s = new PostgresStore(opts, clock);
    try {
      await s.ready;
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  private async migrate(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await c.query(
        'CREATE TABLE IF NOT EXISTS deckhand_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      );
      const r = await c.query<{ v: number | null }>('SELECT max(version) AS v FROM deckhand_migrations');
      const version = r.rows[0]?.v ?? 0;
      for (let v = version; v < migrations.length; v++) {
        await c.query(migrations[v] as string);
        await c.query('INSERT INTO deckhand_migrations (version, applied_at) VALUES ($1, $2)', [
          v + 1,
          Date.now(),
        ]);
      }
    }, false);
  }

  /** @internal A query outside a transaction, once migrations are done. */
  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.ready;
    try {
      return await this.pool.query<R>(sql, params);
    } catch (e) {
      throw unavailable(e) ?? e;
    }
  }

  /** @internal Runs fn on one connection inside BEGIN … COMMIT. */
  async tx<R>(fn: (c: pg.PoolClient) => Promise<R>, waitReady = true): Promise<R> {
    if (waitReady) await this.ready;
    const c = await this.pool.connect().catch((e: unknown) => {
      throw unavailable(e) ?? e;
    });
    // While checked out, a client's 'error' event (the server going away between two statements
    // of the transaction) has no listener but this one: unheard, Node would end the process.
    // The statement in flight, if any, rejects on its own; the broken client is discarded.
    let broken: Error | undefined;
    const onError = (err: Error) => {
      broken = err;
      this.onConnectionError(err);
    };
    c.on('error', onError);
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (e) {
      if (!broken) await c.query('ROLLBACK').catch(() => {});
      throw unavailable(e) ?? e;
    } finally {
      c.removeListener('error', onError);
      // release(err) destroys the client instead of returning a dead connection to the pool.
      c.release(broken);
    }
  }

  now(): number {
    return this.clock.now();
  }

  collection<T>(name: string): Collection<T> {
    return new PostgresCollection<T>(this, name);
  }

  async sweep(): Promise<number> {
    const r = await this.query(
      'DELETE FROM deckhand_docs WHERE expires_at IS NOT NULL AND expires_at <= $1',
      [this.now()],
    );
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => {});
    await this.pool.end();
  }
}

type DocRow = { value: unknown; expires_at: string | null };

class PostgresCollection<T> implements Collection<T> {
  private readonly s: PostgresStore;
  private readonly name: string;

  constructor(s: PostgresStore, name: string) {
    this.s = s;
    this.name = name;
  }

  async get(key: string): Promise<T | undefined> {
    const r = await this.s.query<{ value: T }>(
      `SELECT value FROM deckhand_docs WHERE collection = $1 AND id = $2
       AND (expires_at IS NULL OR expires_at > $3)`,
      [this.name, key, this.s.now()],
    );
    return r.rows[0]?.value;
  }

  async put(key: string, value: T, opts: { ttlMs?: number } = {}): Promise<void> {
    const now = this.s.now();
    await this.s.query(
      `INSERT INTO deckhand_docs (collection, id, value, expires_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value,
         expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
      [this.name, key, JSON.stringify(value), opts.ttlMs ? now + opts.ttlMs : null, now],
    );
  }

  async insertIfAbsent(key: string, value: T, opts: { ttlMs?: number } = {}): Promise<boolean> {
    const now = this.s.now();
    // A live document wins (nothing happens); an expired one counts as absent and is replaced.
    const r = await this.s.query(
      `INSERT INTO deckhand_docs AS d (collection, id, value, expires_at, updated_at)
       VALUES ($1, $2, $3::jsonb, $4, $5)
       ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value,
         expires_at = excluded.expires_at, updated_at = excluded.updated_at
       WHERE d.expires_at IS NOT NULL AND d.expires_at <= $5`,
      [this.name, key, JSON.stringify(value), opts.ttlMs ? now + opts.ttlMs : null, now],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    return this.s.tx(async (c) => {
      // FOR UPDATE locks an existing row; the advisory lock (on the key's hash) also serialises
      // writers of a key that does not exist yet, which FOR UPDATE has no row to lock for.
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))', [
        this.name,
        key,
      ]);
      const r = await c.query<DocRow>(
        'SELECT value, expires_at FROM deckhand_docs WHERE collection = $1 AND id = $2 FOR UPDATE',
        [this.name, key],
      );
      const now = this.s.now();
      const row = r.rows[0];
      const expiresAt = row?.expires_at == null ? null : Number(row.expires_at);
      const live = row !== undefined && (expiresAt === null || expiresAt > now);
      const next = fn(live ? (row.value as T) : undefined);
      if (next === undefined) {
        if (row)
          await c.query('DELETE FROM deckhand_docs WHERE collection = $1 AND id = $2', [this.name, key]);
      } else {
        // Keep the document's expiry unless it already passed.
        const keep = live && expiresAt !== null ? expiresAt : null;
        await c.query(
          `INSERT INTO deckhand_docs (collection, id, value, expires_at, updated_at)
           VALUES ($1, $2, $3::jsonb, $4, $5)
           ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value,
             expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
          [this.name, key, JSON.stringify(next), keep, now],
        );
      }
      return next;
    });
  }

  async delete(key: string): Promise<boolean> {
    const r = await this.s.query('DELETE FROM deckhand_docs WHERE collection = $1 AND id = $2', [
      this.name,
      key,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async list(
    opts: { prefix?: string; limit?: number } = {},
  ): Promise<{ key: string; value: T; updatedAt: number }[]> {
    const prefix = opts.prefix ?? '';
    const r = await this.s.query<{ id: string; value: T; updated_at: string }>(
      `SELECT id, value, updated_at FROM deckhand_docs
       WHERE collection = $1 AND id >= $2 AND starts_with(id, $2)
       AND (expires_at IS NULL OR expires_at > $3) ORDER BY id LIMIT $4`,
      [this.name, prefix, this.s.now(), opts.limit ?? null],
    );
    return r.rows.map((row) => ({ key: row.id, value: row.value, updatedAt: Number(row.updated_at) }));
  }
}

class PostgresAudit implements AuditLog {
  private readonly s: PostgresStore;

  constructor(s: PostgresStore) {
    this.s = s;
  }

  async record(e: Omit<AuditEntry, 'ts'> & { ts?: number }): Promise<void> {
    await this.s.query(
      `INSERT INTO deckhand_audit (ts, actor, platform, channel, kind, name, app, outcome, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
      [
        e.ts ?? this.s.now(),
        e.actor,
        e.platform,
        e.channel ?? null,
        e.kind,
        e.name,
        e.app ?? null,
        e.outcome,
        e.detail ? JSON.stringify(e.detail) : null,
      ],
    );
  }

  async query(q: AuditQuery): Promise<(AuditEntry & { id: number })[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const filters: [string, string | number | undefined][] = [
      ['app', q.app],
      ['actor', q.actor],
      ['kind', q.kind],
    ];
    for (const [column, value] of filters) {
      if (value === undefined || value === '') continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    if (q.since !== undefined) {
      params.push(q.since);
      where.push(`ts >= $${params.length}`);
    }
    params.push(q.limit ?? 50);
    const sql = `SELECT * FROM deckhand_audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY id DESC LIMIT $${params.length}`;
    const r = await this.s.query<Record<string, unknown>>(sql, params);
    return r.rows.map((row) => ({
      id: Number(row.id),
      ts: Number(row.ts),
      actor: String(row.actor),
      platform: String(row.platform),
      channel: (row.channel as string | null) ?? undefined,
      kind: String(row.kind),
      name: String(row.name),
      app: (row.app as string | null) ?? undefined,
      outcome: String(row.outcome),
      detail: (row.detail as Record<string, unknown> | null) ?? undefined,
    }));
  }
}
