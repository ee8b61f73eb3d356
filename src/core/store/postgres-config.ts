/**
 * The PostgreSQL store's options, read from its config section without loading the driver: the
 * composition root needs them (and the URL's secrets for the redactor) before it decides to load
 * `pg`, which a bot on SQLite never does.
 */
import { readFileSync } from 'node:fs';

export interface PostgresStoreOptions {
  url: string;
  /** The pool's size; a few connections are plenty for chat traffic. */
  maxConnections?: number;
  /** How long a query waits for a connection before it fails (a database down or unreachable). */
  connectTimeoutMs?: number;
  /** Told about a connection the database dropped (a restart, a failover); the store carries on. */
  onConnectionError?: (err: Error) => void;
}

/** The store's options from its config section, reading the URL from urlFile when that is set. */
export function postgresOptions(cfg: {
  url?: string;
  urlFile?: string;
  maxConnections?: number;
}): PostgresStoreOptions {
  const url = cfg.url ?? (cfg.urlFile ? readFileSync(cfg.urlFile, 'utf8').trim() : '');
  if (!url) throw new Error('store.postgres needs url or urlFile');
  return { url, maxConnections: cfg.maxConnections };
}

/** What of a connection URL must never reach a log: the URL itself and its password. */
export function postgresSecrets(url: string): string[] {
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password ? [url, password] : [url];
  } catch {
    return [url];
  }
}
