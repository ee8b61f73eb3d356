/**
 * How deckhand signs what it sends to a webhook sink, in the way Stripe and Slack sign theirs: an
 * HMAC-SHA256 over the timestamp and the body, so a receiver that checks the timestamp's age also
 * refuses an old delivery sent again.
 *
 *   X-Deckhand-Timestamp: 1765000000            (seconds since the epoch)
 *   X-Deckhand-Signature: v1=<hex HMAC-SHA256(secret, "1765000000.<raw body>")>
 */
import { createHmac } from 'node:crypto';

export const signature = (secret: string, timestamp: number, body: string): string =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
