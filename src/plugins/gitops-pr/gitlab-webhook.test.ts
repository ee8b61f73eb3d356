/**
 * GitLab's deliveries as deckhand reads them, on payloads shaped as GitLab's docs show them
 * ("Webhook events": merge request events and comment events), with the secret token in
 * X-Gitlab-Token and each event acted on once (Idempotency-Key).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import { GitLabDeliverySchema, gitlabEventOf, gitlabWebhook } from './gitlab-webhook.ts';
import type { ChecksEvent, HostEvent } from './host-events.ts';
import { DECKHAND_MARK } from './hosts/redacting.ts';

const mr = (action: string, more: Record<string, unknown> = {}) => ({
  object_kind: 'merge_request',
  event_type: 'merge_request',
  user: { id: 1, name: 'Administrator', username: 'root' },
  project: { id: 1, web_url: 'https://gitlab.example.com/acme/infra', path_with_namespace: 'acme/infra' },
  object_attributes: {
    iid: 12,
    action,
    state: action === 'merge' ? 'merged' : 'opened',
    merge_commit_sha: action === 'merge' ? 'c'.repeat(40) : null,
    last_commit: { id: 'b'.repeat(40), message: 'web: scale' },
    ...more,
  },
});
const read = (d: unknown) => gitlabEventOf(GitLabDeliverySchema.parse(d));

describe('GitLab deliveries', () => {
  it('say a merge, a close, a reopen, a push and an approval', () => {
    expect(read(mr('merge'))).toMatchObject({
      kind: 'merged',
      by: 'root',
      number: 12,
      mergeSha: 'c'.repeat(40),
      host: 'GitLab',
    });
    expect(read(mr('close'))?.kind).toBe('closed');
    expect(read(mr('reopen'))?.kind).toBe('reopened');
    expect(read(mr('update', { oldrev: 'a'.repeat(40) }))).toMatchObject({
      kind: 'pushed',
      headSha: 'b'.repeat(40),
    });
    // An update that changed the title pushed nothing.
    expect(read(mr('update'))).toBeUndefined();
    expect(read(mr('approved'))).toMatchObject({ kind: 'reviewed', text: 'approved' });
  });

  it('say comments on merge requests, never deckhand’s own', () => {
    const note = (text: string, noteable = 'MergeRequest') => ({
      object_kind: 'note',
      user: { username: 'root' },
      project: { web_url: 'https://gitlab.example.com/acme/infra' },
      object_attributes: { note: text, noteable_type: noteable },
      merge_request: { iid: 12 },
    });
    expect(read(note('LGTM'))).toMatchObject({ kind: 'commented', text: 'LGTM', number: 12 });
    expect(read(note('LGTM', 'Issue'))).toBeUndefined();
    expect(read(note(`Merged.\n\n${DECKHAND_MARK}`))).toBeUndefined();
  });

  it('say a pipeline or a job changed status: the head whose checks moved', () => {
    // Shapes from GitLab's "Webhook events": pipeline events (object_attributes.sha, the merge
    // request of a merge request pipeline) and job events (object_kind build, a top-level sha).
    const project = { id: 1, web_url: 'https://gitlab.example.com/acme/infra' };
    const user = { id: 1, name: 'Administrator', username: 'root' };
    expect(
      read({
        object_kind: 'pipeline',
        object_attributes: { id: 31, ref: 'deckhand/x', sha: 'd'.repeat(40), status: 'success' },
        merge_request: { id: 1, iid: 12 },
        user,
        project,
      }),
    ).toEqual({
      kind: 'checks',
      repoURL: project.web_url,
      host: 'GitLab',
      headSha: 'd'.repeat(40),
      numbers: [12],
    });
    expect(
      read({
        object_kind: 'pipeline',
        object_attributes: { id: 32, sha: 'e'.repeat(40) },
        merge_request: null,
        user,
        project,
      }),
    ).toEqual({ kind: 'checks', repoURL: project.web_url, host: 'GitLab', headSha: 'e'.repeat(40) });
    expect(
      read({ object_kind: 'build', sha: 'f'.repeat(40), build_status: 'failed', user, project }),
    ).toMatchObject({
      kind: 'checks',
      headSha: 'f'.repeat(40),
    });
  });

  it('are taken with the hook’s secret token only, and each event once', async () => {
    const clock = new ManualClock(0);
    const handled: (HostEvent | ChecksEvent)[] = [];
    const spec = gitlabWebhook({
      tokens: ['a-gitlab-webhook-token'],
      deliveries: new SqliteStore(':memory:', clock).collection('git-deliveries'),
      events: { handle: async (e) => (handled.push(e), 'ok') },
      now: () => clock.now(),
    });
    const rawBody = Buffer.from(JSON.stringify(mr('merge')));
    expect(spec.verify({ headers: { 'x-gitlab-token': 'a-gitlab-webhook-token' }, rawBody })).toBeNull();
    expect(spec.verify({ headers: {}, rawBody })).toBe('no X-Gitlab-Token header');
    expect(spec.verify({ headers: { 'x-gitlab-token': 'another-token-0123' }, rawBody })).toBe(
      'wrong X-Gitlab-Token',
    );
    const log = createLogger({ level: 'silent' });
    const headers = { 'idempotency-key': 'f2c9e8a4-retry-safe' };
    const body = GitLabDeliverySchema.parse(mr('merge'));
    await spec.handle({ body, headers, log, deliveryId: '1' });
    expect(await spec.handle({ body, headers, log, deliveryId: '2' })).toMatchObject({
      outcome: 'seen before',
    });
    expect(handled).toHaveLength(1);
  });
});
