/**
 * Work in flight (commands, button presses, webhook deliveries, follow-ups), so shutdown can let it
 * finish within a deadline and tests can wait for the bot to settle instead of sleeping.
 */
export class TaskTracker {
  private readonly inflight = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const done = () => this.inflight.delete(p);
    p.then(done, done);
    return p;
  }

  get size(): number {
    return this.inflight.size;
  }

  /** Resolves when nothing is in flight (including work started while waiting), or at the deadline. */
  async idle(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inflight]),
        new Promise((r) => (timer = setTimeout(r, left))),
      ]);
      clearTimeout(timer);
    }
    return true;
  }
}
