/**
 * Heap settings for the bot's process. deckhand keeps a modest live heap (65 MB with 10,000 apps
 * cached) but parses large API answers in bursts; V8 then grows the young generation to its
 * maximum (on Node 24 with a large heap limit, 134 MB of new space) and keeps it resident. A 2 MB
 * semi-space keeps RSS close to the live heap and makes sweeps no slower (cheaper scavenges):
 * 10,000 apps swept and digested in 201 MB instead of 352 MB (bench/digest-sweep.bench.ts).
 *
 * The flag must be given when the process starts: `v8.setFlagsFromString` after start-up does not
 * resize the young generation (measured on Node 24: 134 MB of new space either way). The npm
 * scripts, the image (NODE_OPTIONS) and the bench pass it; bin/deckhand.js hands it on when it
 * re-runs itself on the pinned Node.
 */
export const HEAP_FLAGS = ['--max-semi-space-size=2'];

/** Whether the running process was started with a semi-space limit (given by us or the operator). */
export function heapLimited(): boolean {
  return /semi[-_]space/.test(`${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`);
}
