/**
 * A bounded queue of keyed jobs. At most `concurrency` jobs run at once and at most `capacity` wait;
 * a job pushed for a key that is already waiting replaces the waiting one (both callers get the
 * newer job's result), and two jobs of one key never run at the same time. Why: a storm of webhook
 * deliveries must not start a diagnosis each at once (memory and event-loop lag grow with every
 * one in flight), a sender that repeats itself (Alertmanager re-sends a group's full state) needs
 * only its newest word handled, and a full queue is a signal to the sender to come back later
 * rather than a promise the process cannot keep.
 */

/** The queue is full: the caller should ask its sender to retry later (HTTP 503). */
export class QueueFullError extends Error {
  readonly code = 'DECK_QUEUE_FULL';
}

interface Waiting {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  promise: Promise<unknown>;
}

export class WorkQueue {
  /** In arrival order: a Map iterates in insertion order, so the oldest waiting job starts first. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly running = new Set<string>();
  private readonly concurrency: number;
  private readonly capacity: number;

  constructor(opts: { concurrency: number; capacity: number }) {
    if (opts.concurrency < 1 || opts.capacity < 1) throw new Error('concurrency and capacity must be ≥ 1');
    this.concurrency = opts.concurrency;
    this.capacity = opts.capacity;
  }

  /** Jobs running now and jobs waiting to run. */
  get size(): { running: number; waiting: number } {
    return { running: this.running.size, waiting: this.waiting.size };
  }

  /** Whether `push(key)` would be refused now; a key that already waits is folded in, never refused. */
  full(key: string): boolean {
    return !this.waiting.has(key) && this.waiting.size >= this.capacity;
  }

  /** Whether a job of this key waits (not yet started). */
  isWaiting(key: string): boolean {
    return this.waiting.has(key);
  }

  /**
   * Queue `fn` under `key`. Rejects with QueueFullError when `capacity` jobs already wait. The
   * promise settles with the result of the job that ran for this push: `fn`, or a later push of
   * the same key that replaced it before it started.
   */
  push<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const w = this.waiting.get(key);
    if (w) {
      w.run = fn;
      return w.promise as Promise<T>;
    }
    if (this.waiting.size >= this.capacity)
      return Promise.reject(new QueueFullError(`${this.capacity} jobs are already waiting`));
    let resolve!: (v: unknown) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(key, { run: fn, resolve, reject, promise });
    this.pump();
    return promise as Promise<T>;
  }

  private pump(): void {
    for (const [key, w] of this.waiting) {
      if (this.running.size >= this.concurrency) return;
      // A job of this key is running: this one starts after it, so they never overlap.
      if (this.running.has(key)) continue;
      this.waiting.delete(key);
      this.running.add(key);
      const done = () => {
        this.running.delete(key);
        this.pump();
      };
      Promise.resolve()
        .then(() => w.run())
        .then(w.resolve, w.reject)
        .finally(done);
    }
  }
}
