/**
 * GitLab's webhook deliveries about deckhand's merge requests, at /hooks/gitops/gitlab. Rules from
 * GitLab's docs ("Webhooks", "Webhook events"):
 * - the secret token set on the hook comes back in `X-Gitlab-Token` (compared in constant time);
 * - `X-Gitlab-Event` names the event (`Merge Request Hook`, `Note Hook`); `Idempotency-Key` stays
 *   the same across retries of one event (GitLab 17.4+), `X-Gitlab-Event-UUID` names it before;
 * - a merge request event carries `object_attributes.action` (open, close, reopen, update, merge,
 *   approved, …), `iid`, `merge_commit_sha`, `last_commit.id` and, on an update that pushed
 *   commits, `oldrev`; a note event `object_attributes.noteable_type` and `merge_request.iid`;
 * - a pipeline event (`Pipeline Hook`) carries `object_attributes.sha` and, for a merge request's
 *   pipeline, `merge_request.iid`; a job event (`Job Hook`, object_kind `build`) a top-level `sha`.
 */
import { z } from 'zod';
import { safeEqual, type WebhookSpec } from '../../core/http/webhooks.ts';
import type { Collection } from '../../core/store/types.ts';
import type { ChecksEvent, HostEvent, HostEvents } from './host-events.ts';
import { DECKHAND_MARK } from './hosts/redacting.ts';

export const GitLabDeliverySchema = z.looseObject({
  object_kind: z.string(),
  user: z.looseObject({ username: z.string() }).optional(),
  project: z.looseObject({ web_url: z.string() }).optional(),
  object_attributes: z
    .looseObject({
      iid: z.number().int().optional(),
      action: z.string().optional(),
      merge_commit_sha: z.string().nullable().optional(),
      last_commit: z.looseObject({ id: z.string() }).nullable().optional(),
      oldrev: z.string().optional(),
      note: z.string().optional(),
      noteable_type: z.string().optional(),
      sha: z.string().optional(),
      status: z.string().optional(),
    })
    .optional(),
  merge_request: z.looseObject({ iid: z.number().int() }).nullable().optional(),
  // A job event: the commit at the top level.
  sha: z.string().optional(),
});
type Delivery = z.output<typeof GitLabDeliverySchema>;

/** What a delivery says happened to a merge request, when it says anything deckhand acts on. */
export function gitlabEventOf(d: Delivery): HostEvent | ChecksEvent | undefined {
  const repoURL = d.project?.web_url;
  const by = d.user?.username;
  const a = d.object_attributes;
  // A pipeline or a job changed status: the head's checks moved.
  const sha = d.object_kind === 'pipeline' ? a?.sha : d.object_kind === 'build' ? d.sha : undefined;
  if (repoURL && sha)
    return {
      kind: 'checks',
      repoURL,
      host: 'GitLab',
      headSha: sha,
      ...(d.merge_request ? { numbers: [d.merge_request.iid] } : {}),
    };
  if (!repoURL || !by || !a) return undefined;
  const base = { repoURL, by, host: 'GitLab' };
  if (d.object_kind === 'merge_request' && a.iid !== undefined) {
    const number = a.iid;
    switch (a.action) {
      case 'merge':
        return {
          ...base,
          number,
          kind: 'merged',
          ...(a.merge_commit_sha ? { mergeSha: a.merge_commit_sha } : {}),
        };
      case 'close':
        return { ...base, number, kind: 'closed' };
      case 'reopen':
        return { ...base, number, kind: 'reopened' };
      case 'approved':
        return { ...base, number, kind: 'reviewed', text: 'approved' };
      case 'update':
        // An update that pushed commits says where the branch was (oldrev).
        return a.oldrev && a.last_commit
          ? { ...base, number, kind: 'pushed', headSha: a.last_commit.id }
          : undefined;
      default:
        return undefined;
    }
  }
  if (d.object_kind === 'note' && a.noteable_type === 'MergeRequest' && d.merge_request && a.note) {
    if (a.note.includes(DECKHAND_MARK)) return undefined;
    return { ...base, number: d.merge_request.iid, kind: 'commented', text: a.note };
  }
  return undefined;
}

export function gitlabWebhook(opts: {
  /** The webhook tokens of the GitLab hosts configured. */
  tokens: string[];
  deliveries: Collection<{ at: number }>;
  events: Pick<HostEvents, 'handle'>;
  now: () => number;
}): WebhookSpec<typeof GitLabDeliverySchema> {
  return {
    path: '/gitlab',
    verify(req) {
      if (!opts.tokens.length)
        return 'no webhook token is configured for a GitLab host, so it accepts nothing';
      const sent = req.headers['x-gitlab-token'];
      if (typeof sent !== 'string') return 'no X-Gitlab-Token header';
      return opts.tokens.some((t) => safeEqual(sent, t)) ? null : 'wrong X-Gitlab-Token';
    },
    body: GitLabDeliverySchema,
    async handle({ body, headers, log }) {
      const id = headers['idempotency-key'] ?? headers['x-gitlab-event-uuid'];
      if (typeof id === 'string') {
        const fresh = await opts.deliveries.insertIfAbsent(
          `gitlab/${id}`,
          { at: opts.now() },
          { ttlMs: 7 * 86_400_000 },
        );
        if (!fresh) {
          log.info(
            { delivery: id, event: body.object_kind },
            'a GitLab delivery seen before: not acted on again',
          );
          return { delivery: id, outcome: 'seen before' };
        }
      }
      const event = gitlabEventOf(body);
      // A delivery that failed is not taken as seen: one sent again by hand keeps its id.
      const outcome = event
        ? await opts.events.handle(event).catch(async (err: unknown) => {
            if (typeof id === 'string') await opts.deliveries.delete(`gitlab/${id}`).catch(() => undefined);
            throw err;
          })
        : 'nothing deckhand acts on';
      log.info(
        { delivery: id, event: body.object_kind, action: body.object_attributes?.action, outcome },
        'GitLab delivery',
      );
      return { delivery: id, outcome };
    },
  };
}
