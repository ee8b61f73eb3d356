/**
 * GitHub's deliveries as deckhand reads them: signatures as GitHub's docs compute them (an HMAC
 * made here with node:crypto directly, not with the code under test), the events that matter, and
 * deckhand's own comments left alone.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { eventOf, GitHubDeliverySchema, githubWebhook } from './github-webhook.ts';
import { DECKHAND_MARK } from './hosts/redacting.ts';

const base = {
  repository: { html_url: 'https://github.com/acme/infra' },
  sender: { login: 'sijun', type: 'User' },
};
const pr = (over: Record<string, unknown> = {}) => ({
  number: 7,
  merged: false,
  merge_commit_sha: null,
  merged_by: null,
  head: { sha: 'b'.repeat(40) },
  ...over,
});
const read = (name: string, d: Record<string, unknown>) =>
  eventOf(name, GitHubDeliverySchema.parse({ ...base, ...d }));

describe('GitHub deliveries', () => {
  it('say a merge, by whom and at which commit; a close; a reopen; a push', () => {
    expect(
      read('pull_request', {
        action: 'closed',
        pull_request: pr({ merged: true, merge_commit_sha: 'c'.repeat(40), merged_by: { login: 'mona' } }),
      }),
    ).toMatchObject({ kind: 'merged', by: 'mona', mergeSha: 'c'.repeat(40), number: 7, host: 'GitHub' });
    expect(read('pull_request', { action: 'closed', pull_request: pr() })).toMatchObject({
      kind: 'closed',
      by: 'sijun',
    });
    expect(read('pull_request', { action: 'reopened', pull_request: pr() })?.kind).toBe('reopened');
    expect(read('pull_request', { action: 'synchronize', pull_request: pr() })).toMatchObject({
      kind: 'pushed',
      headSha: 'b'.repeat(40),
    });
    expect(read('pull_request', { action: 'labeled', pull_request: pr() })).toBeUndefined();
  });

  it('say reviews and comments on pull requests, not on issues, and never deckhand’s own', () => {
    expect(
      read('pull_request_review', { action: 'submitted', review: { state: 'APPROVED' }, pull_request: pr() }),
    ).toMatchObject({ kind: 'reviewed', text: 'approved' });
    const comment = (body: string, issue: Record<string, unknown>) =>
      read('issue_comment', { action: 'created', issue, comment: { body } });
    expect(comment('LGTM', { number: 7, pull_request: {} })).toMatchObject({
      kind: 'commented',
      text: 'LGTM',
    });
    expect(comment('LGTM', { number: 8 })).toBeUndefined();
    expect(
      comment(`Merged by deckhand.\n\n${DECKHAND_MARK}`, { number: 7, pull_request: {} }),
    ).toBeUndefined();
    // A ping (the hook was made) names no pull request.
    expect(read('ping', { zen: 'Keep it logically awesome.' })).toBeUndefined();
  });

  it('are taken only when signed with a configured secret over the exact body', () => {
    const secret = 'a-webhook-secret-for-tests';
    const spec = githubWebhook({
      secrets: ['another-secret-0123456789', secret],
      deliveries: undefined as never,
      events: { handle: async () => 'ok' },
      now: () => 0,
    });
    const body = Buffer.from(JSON.stringify({ ...base, action: 'closed', pull_request: pr() }));
    const sign = (b: Buffer, s: string) => `sha256=${createHmac('sha256', s).update(b).digest('hex')}`;
    const headers = (sig?: string) => ({
      'x-github-event': 'pull_request',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      ...(sig ? { 'x-hub-signature-256': sig } : {}),
    });
    expect(spec.verify({ headers: headers(sign(body, secret)), rawBody: body })).toBeNull();
    expect(spec.verify({ headers: headers(), rawBody: body })).toBe('no X-Hub-Signature-256 header');
    expect(spec.verify({ headers: headers(sign(body, 'wrong')), rawBody: body })).toBe(
      'the signature does not match',
    );
    expect(spec.verify({ headers: headers(sign(body, secret)), rawBody: Buffer.from(`${body} `) })).toBe(
      'the signature does not match',
    );
    const none = githubWebhook({
      secrets: [],
      deliveries: undefined as never,
      events: { handle: async () => 'ok' },
      now: () => 0,
    });
    expect(none.verify({ headers: headers(sign(body, secret)), rawBody: body })).toMatch(/accepts nothing/);
  });

  it('are acted on once per delivery id, and again when acting on one failed', async () => {
    const clock = new ManualClock(0);
    let fail = true;
    const handled: string[] = [];
    const spec = githubWebhook({
      secrets: ['a-webhook-secret-for-tests'],
      deliveries: new SqliteStore(':memory:', clock).collection('git-deliveries'),
      events: {
        handle: async (e) => {
          if (fail) throw new Error('the store is down');
          handled.push(e.kind);
          return 'closed';
        },
      },
      now: () => clock.now(),
    });
    const body = GitHubDeliverySchema.parse({ ...base, action: 'closed', pull_request: pr() });
    const headers = { 'x-github-event': 'pull_request', 'x-github-delivery': 'guid-1' };
    const log = createLogger({ level: 'silent' });
    await expect(spec.handle({ body, headers, log, deliveryId: '1' })).rejects.toThrow('the store is down');
    fail = false;
    // GitHub's redelivery keeps the id: taken, since the first attempt came to nothing.
    expect(await spec.handle({ body, headers, log, deliveryId: '2' })).toMatchObject({ outcome: 'closed' });
    expect(await spec.handle({ body, headers, log, deliveryId: '3' })).toMatchObject({
      outcome: 'seen before',
    });
    expect(handled).toEqual(['closed']);
  });
});
