/**
 * GitHub's webhook deliveries about deckhand's pull requests, at /hooks/gitops/github. Rules from
 * GitHub's docs:
 * - "Validating webhook deliveries": `X-Hub-Signature-256` is `sha256=` and the hex HMAC-SHA256
 *   of the raw body with the webhook's secret, compared in constant time.
 * - "Webhook events and payloads": `X-GitHub-Event` names the event, `X-GitHub-Delivery` is a
 *   GUID unique to the delivery (a redelivery keeps it). `pull_request` (closed with `merged`,
 *   reopened, synchronize), `pull_request_review` (submitted), `issue_comment` (created, on an
 *   issue that has `pull_request`); `check_run` and `check_suite` (created, completed,
 *   rerequested: `head_sha`, `pull_requests`) and `status` (`sha`) when a head's checks move;
 *   `ping` when the hook is made.
 * A delivery seen before is not acted on again; one about anything else is accepted and ignored.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { safeEqual, type WebhookSpec } from '../../core/http/webhooks.ts';
import type { Collection } from '../../core/store/types.ts';
import type { ChecksEvent, HostEvent, HostEvents } from './host-events.ts';
import { DECKHAND_MARK } from './hosts/redacting.ts';

const Login = z.looseObject({ login: z.string(), type: z.string().optional() });

export const GitHubDeliverySchema = z.looseObject({
  action: z.string().optional(),
  repository: z.looseObject({ html_url: z.string() }).optional(),
  sender: Login.optional(),
  pull_request: z
    .looseObject({
      number: z.number().int(),
      merged: z.boolean().optional(),
      merge_commit_sha: z.string().nullable().optional(),
      merged_by: Login.nullable().optional(),
      head: z.looseObject({ sha: z.string() }),
    })
    .optional(),
  review: z.looseObject({ state: z.string(), user: Login.nullable().optional() }).optional(),
  issue: z.looseObject({ number: z.number().int(), pull_request: z.unknown().optional() }).optional(),
  comment: z.looseObject({ body: z.string(), user: Login.nullable().optional() }).optional(),
  // check_run / check_suite: the head and the pull requests it belongs to (empty from forks).
  check_run: z
    .looseObject({
      head_sha: z.string(),
      pull_requests: z.array(z.looseObject({ number: z.number().int() })).optional(),
    })
    .optional(),
  check_suite: z
    .looseObject({
      head_sha: z.string(),
      pull_requests: z.array(z.looseObject({ number: z.number().int() })).optional(),
    })
    .optional(),
  // status: the commit's sha at the top level.
  sha: z.string().optional(),
});
type Delivery = z.output<typeof GitHubDeliverySchema>;

/** The signature GitHub sends for a body and a secret. */
export const signatureOf = (body: Buffer | string, secret: string): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** What a delivery says happened to a pull request, when it says anything deckhand acts on. */
export function eventOf(name: string, d: Delivery): HostEvent | ChecksEvent | undefined {
  const repoURL = d.repository?.html_url;
  const by = d.sender?.login;
  if (!repoURL || !by) return undefined;
  // A check run or suite that began or ended, or a commit status posted: the head's checks moved.
  const suite = name === 'check_run' ? d.check_run : name === 'check_suite' ? d.check_suite : undefined;
  if (suite && ['created', 'completed', 'rerequested'].includes(d.action ?? ''))
    return {
      kind: 'checks',
      repoURL,
      host: 'GitHub',
      headSha: suite.head_sha,
      numbers: (suite.pull_requests ?? []).map((p) => p.number),
    };
  if (name === 'status' && d.sha) return { kind: 'checks', repoURL, host: 'GitHub', headSha: d.sha };
  const base = { repoURL, by, host: 'GitHub' };
  const pr = d.pull_request;
  if (name === 'pull_request' && pr) {
    if (d.action === 'closed' && pr.merged)
      return {
        ...base,
        number: pr.number,
        kind: 'merged',
        by: pr.merged_by?.login ?? by,
        ...(pr.merge_commit_sha ? { mergeSha: pr.merge_commit_sha } : {}),
      };
    if (d.action === 'closed') return { ...base, number: pr.number, kind: 'closed' };
    if (d.action === 'reopened') return { ...base, number: pr.number, kind: 'reopened' };
    if (d.action === 'synchronize')
      return { ...base, number: pr.number, kind: 'pushed', headSha: pr.head.sha };
  }
  if (name === 'pull_request_review' && pr && d.action === 'submitted' && d.review)
    return { ...base, number: pr.number, kind: 'reviewed', text: d.review.state.toLowerCase() };
  if (name === 'issue_comment' && d.action === 'created' && d.issue?.pull_request && d.comment) {
    // deckhand's own comments come back too: they carry its mark.
    if (d.comment.body.includes(DECKHAND_MARK)) return undefined;
    return { ...base, number: d.issue.number, kind: 'commented', text: d.comment.body };
  }
  return undefined;
}

export function githubWebhook(opts: {
  /** The webhook secrets of the GitHub hosts configured (a delivery may be signed with any). */
  secrets: string[];
  /** Deliveries taken, by GitHub's delivery id, kept a week (GitHub redelivers for three days). */
  deliveries: Collection<{ at: number }>;
  events: Pick<HostEvents, 'handle'>;
  now: () => number;
}): WebhookSpec<typeof GitHubDeliverySchema> {
  return {
    path: '/github',
    // GitHub caps payloads at 25 MB, but the events read here are far smaller; the body is held
    // before its signature is checked, so anyone could make the server hold this much.
    maxBytes: 5 * 1024 * 1024,
    verify(req) {
      if (!opts.secrets.length)
        return 'no webhook secret is configured for a GitHub host, so it accepts nothing';
      const sent = req.headers['x-hub-signature-256'];
      if (typeof sent !== 'string') return 'no X-Hub-Signature-256 header';
      if (typeof req.headers['x-github-delivery'] !== 'string') return 'no X-GitHub-Delivery header';
      if (typeof req.headers['x-github-event'] !== 'string') return 'no X-GitHub-Event header';
      return opts.secrets.some((s) => safeEqual(sent, signatureOf(req.rawBody, s)))
        ? null
        : 'the signature does not match';
    },
    body: GitHubDeliverySchema,
    async handle({ body, headers, log }) {
      const id = String(headers['x-github-delivery']);
      const name = String(headers['x-github-event']);
      if (
        !(await opts.deliveries.insertIfAbsent(`github/${id}`, { at: opts.now() }, { ttlMs: 7 * 86_400_000 }))
      ) {
        log.info({ delivery: id, event: name }, 'a GitHub delivery seen before: not acted on again');
        return { delivery: id, outcome: 'seen before' };
      }
      const event = eventOf(name, body);
      // A delivery that failed is not taken as seen: one sent again by hand keeps its id.
      const outcome = event
        ? await opts.events.handle(event).catch(async (err: unknown) => {
            if (typeof id === 'string') await opts.deliveries.delete(`github/${id}`).catch(() => undefined);
            throw err;
          })
        : 'nothing deckhand acts on';
      log.info({ delivery: id, event: name, action: body.action, outcome }, 'GitHub delivery');
      return { delivery: id, outcome };
    },
  };
}
