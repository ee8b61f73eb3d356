/**
 * Durable state: small JSON documents in named collections (pending actions, approvals, incident
 * threads, cooldowns) and an append-only audit trail. The default lives in one SQLite file under
 * the data dir. The interface is asynchronous and narrow — get, put, insert-if-absent, an atomic
 * read-modify-write, list by prefix — so a shared database (several replicas) can implement it.
 */
export interface Collection<T> {
  get(key: string): Promise<T | undefined>;
  put(key: string, value: T, opts?: { ttlMs?: number }): Promise<void>;
  /** Stores the value only if the key is free (or expired); true when it did. */
  insertIfAbsent(key: string, value: T, opts?: { ttlMs?: number }): Promise<boolean>;
  /**
   * Read-modify-write in one transaction, safe across processes sharing the store. Returning
   * undefined deletes the document. The function must not await (it runs inside the transaction).
   */
  update(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined>;
  delete(key: string): Promise<boolean>;
  list(opts?: { prefix?: string; limit?: number }): Promise<{ key: string; value: T; updatedAt: number }[]>;
}

export interface AuditEntry {
  ts: number;
  actor: string;
  platform: string;
  channel?: string;
  /** command | action | pull-request | merge | webhook | remediation | … */
  kind: string;
  /** Command name, action kind, … */
  name: string;
  app?: string;
  outcome: string;
  detail?: Record<string, unknown>;
}

export interface AuditQuery {
  app?: string;
  actor?: string;
  kind?: string;
  since?: number;
  limit?: number;
}

export interface AuditLog {
  record(entry: Omit<AuditEntry, 'ts'> & { ts?: number }): Promise<void>;
  query(q: AuditQuery): Promise<(AuditEntry & { id: number })[]>;
}

export interface Store {
  collection<T>(name: string): Collection<T>;
  readonly audit: AuditLog;
  /** Drop expired documents. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}
