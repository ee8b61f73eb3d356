/**
 * Durable state: small JSON documents in named collections (pending actions, approvals, incident
 * threads, cooldowns) and an append-only audit trail. The default lives in one SQLite file under
 * the data dir; the interface is narrow enough for a shared database later.
 */
export interface Collection<T> {
  get(key: string): T | undefined;
  put(key: string, value: T, opts?: { ttlMs?: number }): void;
  /** Stores the value only if the key is free (or expired); true when it did. */
  insertIfAbsent(key: string, value: T, opts?: { ttlMs?: number }): boolean;
  /**
   * Read-modify-write in one transaction, safe across processes sharing the file. Returning
   * undefined deletes the document. The function must not await.
   */
  update(key: string, fn: (current: T | undefined) => T | undefined): T | undefined;
  delete(key: string): boolean;
  list(opts?: { prefix?: string; limit?: number }): { key: string; value: T; updatedAt: number }[];
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
  record(entry: Omit<AuditEntry, 'ts'> & { ts?: number }): void;
  query(q: AuditQuery): (AuditEntry & { id: number })[];
}

export interface Store {
  collection<T>(name: string): Collection<T>;
  readonly audit: AuditLog;
  /** Drop expired documents. */
  sweep(): number;
  close(): void;
}
