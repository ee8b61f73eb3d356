/**
 * The store as an exit: documents and audit rows are written redacted, so a shared database or a
 * copied data dir holds no secret that a command argument, an alert or a reason carried in.
 * Documents keep their keys (the bot's own bookkeeping may be named `token`); audit rows also
 * mask values under secret-looking keys, as logs do.
 */
import type { Redactor } from '../redact.ts';
import type { AuditLog, Collection, Store } from './types.ts';

function redactingCollection<T>(inner: Collection<T>, redactor: Redactor): Collection<T> {
  const safe = (v: T): T => redactor.strings(v);
  return {
    get: (key) => inner.get(key),
    put: (key, value, opts) => inner.put(key, safe(value), opts),
    insertIfAbsent: (key, value, opts) => inner.insertIfAbsent(key, safe(value), opts),
    update: (key, fn) =>
      inner.update(key, (current) => {
        const next = fn(current);
        return next === undefined ? undefined : safe(next);
      }),
    delete: (key) => inner.delete(key),
    list: (opts) => inner.list(opts),
  };
}

function redactingAudit(inner: AuditLog, redactor: Redactor): AuditLog {
  return {
    record: (entry) => inner.record(redactor.object(entry)),
    query: (q) => inner.query(q),
  };
}

export function redactingStore(inner: Store, redactor: Redactor): Store {
  const audit = redactingAudit(inner.audit, redactor);
  return {
    collection: <T>(name: string) => redactingCollection(inner.collection<T>(name), redactor),
    audit,
    sweep: () => inner.sweep(),
    close: () => inner.close(),
  };
}
