/**
 * The Store on node:sqlite: WAL mode so several processes (the bot and `deckhand exec`) share the
 * file, BEGIN IMMEDIATE for read-modify-write, versioned migrations.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Clock } from '../clock.ts';
import type { AuditEntry, AuditLog, AuditQuery, Collection, Store } from './types.ts';

const migrations: string[] = [
  `CREATE TABLE docs (
     collection TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
     expires_at INTEGER, updated_at INTEGER NOT NULL,
     PRIMARY KEY (collection, key)) WITHOUT ROWID;
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, actor TEXT NOT NULL,
     platform TEXT NOT NULL, channel TEXT, kind TEXT NOT NULL, name TEXT NOT NULL, app TEXT,
     outcome TEXT NOT NULL, detail TEXT);
   CREATE INDEX audit_ts ON audit (ts);
   CREATE INDEX audit_app ON audit (app, ts);`,
];

export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  private readonly stmts = new Map<string, StatementSync>();
  readonly audit: AuditLog;

  private readonly clock: Clock;

  constructor(file: string, clock: Clock) {
    this.clock = clock;
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec('PRAGMA busy_timeout = 5000');
    if (file !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
    this.migrate();
    this.audit = new SqliteAudit(this);
  }

  private migrate(): void {
    this.transaction(() => {
      const version = (this.db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
      for (let v = version; v < migrations.length; v++) this.db.exec(migrations[v] as string);
      if (version < migrations.length) this.db.exec(`PRAGMA user_version = ${migrations.length}`);
    });
  }

  /** @internal */
  stmt(sql: string): StatementSync {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /** @internal Runs fn inside BEGIN IMMEDIATE … COMMIT (nested calls join the outer one). */
  transaction<R>(fn: () => R): R {
    if (this.db.isTransaction) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = fn();
      this.db.exec('COMMIT');
      return r;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  now(): number {
    return this.clock.now();
  }

  collection<T>(name: string): Collection<T> {
    return new SqliteCollection<T>(this, name);
  }

  async sweep(): Promise<number> {
    const r = this.stmt('DELETE FROM docs WHERE expires_at IS NOT NULL AND expires_at <= ?').run(this.now());
    return Number(r.changes);
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}

/** The synchronous core; the public methods wrap it in promises to meet the Store interface. */
class SqliteCollection<T> implements Collection<T> {
  private readonly s: SqliteStore;
  private readonly name: string;

  constructor(s: SqliteStore, name: string) {
    this.s = s;
    this.name = name;
  }

  async get(key: string): Promise<T | undefined> {
    return this.getSync(key);
  }

  async put(key: string, value: T, opts: { ttlMs?: number } = {}): Promise<void> {
    this.putSync(key, value, opts);
  }

  async insertIfAbsent(key: string, value: T, opts: { ttlMs?: number } = {}): Promise<boolean> {
    return this.s.transaction(() => {
      if (this.getSync(key) !== undefined) return false;
      this.putSync(key, value, opts);
      return true;
    });
  }

  async update(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    return this.s.transaction(() => {
      const row = this.s
        .stmt('SELECT expires_at FROM docs WHERE collection = ? AND key = ?')
        .get(this.name, key) as { expires_at: number | null } | undefined;
      const next = fn(this.getSync(key));
      if (next === undefined) this.deleteSync(key);
      else {
        // Keep the document's expiry unless it already passed.
        const live = row?.expires_at != null && row.expires_at > this.s.now();
        this.putSync(key, next, live ? { ttlMs: (row?.expires_at as number) - this.s.now() } : {});
      }
      return next;
    });
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteSync(key);
  }

  private getSync(key: string): T | undefined {
    const row = this.s
      .stmt('SELECT value, expires_at FROM docs WHERE collection = ? AND key = ?')
      .get(this.name, key) as { value: string; expires_at: number | null } | undefined;
    if (!row || (row.expires_at !== null && row.expires_at <= this.s.now())) return undefined;
    return JSON.parse(row.value) as T;
  }

  private putSync(key: string, value: T, opts: { ttlMs?: number } = {}): void {
    const now = this.s.now();
    this.s
      .stmt(
        `INSERT INTO docs (collection, key, value, expires_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value,
           expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
      )
      .run(this.name, key, JSON.stringify(value), opts.ttlMs ? now + opts.ttlMs : null, now);
  }

  private deleteSync(key: string): boolean {
    return (
      Number(this.s.stmt('DELETE FROM docs WHERE collection = ? AND key = ?').run(this.name, key).changes) > 0
    );
  }

  async list(
    opts: { prefix?: string; limit?: number } = {},
  ): Promise<{ key: string; value: T; updatedAt: number }[]> {
    const rows = this.s
      .stmt(
        `SELECT key, value, updated_at FROM docs WHERE collection = ? AND key >= ? AND key < ?
         AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?`,
      )
      .all(this.name, opts.prefix ?? '', (opts.prefix ?? '') + '\uffff', this.s.now(), opts.limit ?? -1) as {
      key: string;
      value: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as T, updatedAt: r.updated_at }));
  }
}

class SqliteAudit implements AuditLog {
  private readonly s: SqliteStore;

  constructor(s: SqliteStore) {
    this.s = s;
  }

  async record(e: Omit<AuditEntry, 'ts'> & { ts?: number }): Promise<void> {
    this.s
      .stmt(
        `INSERT INTO audit (ts, actor, platform, channel, kind, name, app, outcome, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.ts ?? this.s.now(),
        e.actor,
        e.platform,
        e.channel ?? null,
        e.kind,
        e.name,
        e.app ?? null,
        e.outcome,
        e.detail ? JSON.stringify(e.detail) : null,
      );
  }

  async query(q: AuditQuery): Promise<(AuditEntry & { id: number })[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const filters: [string, string | number | undefined][] = [
      ['app = ?', q.app],
      ['actor = ?', q.actor],
      ['kind = ?', q.kind],
      ['ts >= ?', q.since],
    ];
    for (const [clause, value] of filters) {
      if (value === undefined || value === '') continue;
      where.push(clause);
      params.push(value);
    }
    const sql = `SELECT * FROM audit ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.s.stmt(sql).all(...params, q.limit ?? 50) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: Number(r.id),
      ts: Number(r.ts),
      actor: String(r.actor),
      platform: String(r.platform),
      channel: (r.channel as string | null) ?? undefined,
      kind: String(r.kind),
      name: String(r.name),
      app: (r.app as string | null) ?? undefined,
      outcome: String(r.outcome),
      detail: r.detail ? (JSON.parse(String(r.detail)) as Record<string, unknown>) : undefined,
    }));
  }
}
