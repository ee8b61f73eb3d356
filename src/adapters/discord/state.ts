/** Small in-memory state of the Discord adapter, bounded so it cannot grow without end. */
import type { Clock } from '../../core/clock.ts';

/** A map that forgets its oldest entries beyond `max`. */
export class Bounded<K, V> {
  private readonly map = new Map<K, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(k: K): V | undefined {
    return this.map.get(k);
  }

  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }

  delete(k: K): void {
    this.map.delete(k);
  }

  get size(): number {
    return this.map.size;
  }
}

/** How long a signature is remembered: its timestamp is accepted 5 minutes either way. */
const REMEMBER_MS = 10 * 60_000;

/**
 * Signatures of the interaction requests already taken: the same signed request again is a
 * replay. Entries older than the timestamp window are dropped first; beyond `max` the oldest go.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly max: number;
  private readonly clock: Clock;

  constructor(max: number, clock: Clock) {
    this.max = max;
    this.clock = clock;
  }

  /** true the first time a signature is seen. */
  first(signature: string): boolean {
    const now = this.clock.now();
    const key = signature.toLowerCase();
    for (const [k, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(k);
    }
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, now + REMEMBER_MS);
    while (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
