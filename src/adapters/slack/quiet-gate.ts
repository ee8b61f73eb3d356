/**
 * Holds work until requests stop arriving for a moment (at most `maxMs`): in a burst of slash
 * commands, each command's work would otherwise run between the next ones' acknowledgements.
 */
export class QuietGate {
  private waiting: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private since = 0;
  private readonly quietMs: number;
  private readonly maxMs: number;
  constructor(quietMs = 10, maxMs = 150) {
    this.quietMs = quietMs;
    this.maxMs = maxMs;
  }
  wait(): Promise<void> {
    const now = performance.now();
    if (this.waiting.length === 0) this.since = now;
    const p = new Promise<void>((r) => this.waiting.push(r));
    clearTimeout(this.timer);
    const left = Math.max(0, Math.min(this.quietMs, this.since + this.maxMs - now));
    this.timer = setTimeout(() => this.open(), left);
    this.timer.unref?.();
    return p;
  }
  private open(): void {
    const go = this.waiting;
    this.waiting = [];
    for (const r of go) r();
  }
}
