/**
 * Work in flight (commands, button presses, webhook deliveries, follow-ups), so shutdown can let it
 * finish within a deadline and tests can wait for the bot to settle instead of sleeping.
 */
export class TaskTracker {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly described = new Map<Promise<unknown>, () => Promise<string | undefined>>();

  /**
   * Track work until it settles. `describe` says where long work stands, for whoever stops
   * waiting before it is done (`deckhand exec --wait`).
   */
  track<T>(p: Promise<T>, describe?: () => Promise<string | undefined>): Promise<T> {
    this.inflight.add(p);
    if (describe) this.described.set(p, describe);
    const done = () => {
      this.inflight.delete(p);
      this.described.delete(p);
    };
    p.then(done, done);
    return p;
  }

  /** Where each unfinished, described piece of work stands, in a sentence each. */
  async pending(): Promise<string[]> {
    const said = await Promise.all([...this.described.values()].map((d) => d().catch(() => undefined)));
    return said.filter((s): s is string => !!s);
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
