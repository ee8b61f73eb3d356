/**
 * Work in flight (commands, button presses, webhook deliveries, follow-ups), so shutdown can let it
 * finish within a deadline and tests can wait for the bot to settle instead of sleeping.
 */
export class TaskTracker {
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly described = new Map<Promise<unknown>, () => Promise<string | undefined>>();

  /**
   * Track work until it settles. `describe` marks long work that lives in the store and is resumed
   * by a serving bot (a follow-up): it says where the work stands, for whoever stops waiting before
   * it is done (`deckhand exec --wait`), and shutdown does not wait for it.
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

  /**
   * Resolves when nothing is in flight (including work started while waiting), or at the deadline.
   * `exceptResumable`: work a serving bot resumes from the store does not count (shutdown).
   */
  async idle(timeoutMs = 30_000, opts: { exceptResumable?: boolean } = {}): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const waitingFor = () =>
      [...this.inflight].filter((p) => !opts.exceptResumable || !this.described.has(p));
    for (let open = waitingFor(); open.length > 0; open = waitingFor()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled(open), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }
}
