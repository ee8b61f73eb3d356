/**
 * Heap tuning for the bot's process. deckhand keeps a modest live heap (60 MB with 10,000 apps
 * cached) but parses large API answers in bursts; V8's default young generation then keeps
 * ~100 MB more resident than is live. A 2 MB semi-space keeps RSS close to the live heap and
 * makes sweeps faster (cheaper scavenges). An explicit flag in NODE_OPTIONS or on the command
 * line wins.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneHeap(): void {
  const given = `${process.env.NODE_OPTIONS ?? ''} ${process.execArgv.join(' ')}`;
  if (!/semi[-_]space/.test(given)) setFlagsFromString('--max-semi-space-size=2');
}
