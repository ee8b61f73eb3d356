/**
 * Merge requirements on GitLab, against the GitLab fake with "Pipelines must succeed": the card
 * lists the head's jobs, Approve refuses while a required job runs (recording nothing), "merge
 * when ready" queues the approval, and the pipeline event GitLab sends (`Pipeline Hook`, through
 * the webhook at /hooks/gitops/gitlab) merges it once the jobs pass. Without webhooks, the
 * approval sweep does the same.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalService } from '../../core/approvals.ts';
import type { ManualClock } from '../../core/clock.ts';
import { ConflictError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import type { Message, MessageRef } from '../../core/message/model.ts';
import type { SqliteStore } from '../../core/store/sqlite.ts';
import type { FakeGitLab } from '../../../test/support/fake-gitlab.ts';
import type { ArgoService } from '../argocd/index.ts';
import type { ChangeService } from './changes.ts';
import type { FollowUps } from './followup.ts';
import { GitLabDeliverySchema, gitlabWebhook } from './gitlab-webhook.ts';
import { HostEvents } from './host-events.ts';
import { conversation, gitlabWorld, webApp, who } from './testing.ts';
import { GitOpsWorkflow, type TurnTools } from './workflow.ts';

const HOOK_TOKEN = 'gitlab-hook-token-0123456789';
const r = webApp;

let fake: FakeGitLab;
let store: SqliteStore;
let clock: ManualClock;
let wf: GitOpsWorkflow;
let events: HostEvents;
let changes: ChangeService;
let approvals: ApprovalService;
const said: Message[] = [];
const updates: Message[] = [];
const followed: string[] = [];
const log = createLogger({ level: 'silent' });
const chat = {
  update: async (_ref: MessageRef, m: Message) => void updates.push(m),
  post: async (_c: unknown, m: Message) => (said.push(m), { platform: 'slack', channel: 'C0OPS', id: 'x' }),
};

beforeEach(async () => {
  ({ fake, clock, store, approvals, changes } = await gitlabWorld((f) => (f.pipelinesMustSucceed = true)));
  const followUps = {
    begin: async (f: { id: string }) => (followed.push(f.id), { done: Promise.resolve() }),
    has: async () => false,
  } as unknown as FollowUps;
  wf = new GitOpsWorkflow({
    changes,
    approvals,
    argo: {} as ArgoService,
    followUps,
    clock,
    audit: store.audit,
    log,
    mergeMethod: 'merge',
    followMs: 60_000,
    chat: chat as never,
  });
  events = new HostEvents({
    changes,
    approvals,
    followUps,
    chat: chat as never,
    audit: store.audit,
    clock,
    log,
    followMs: 60_000,
    checksChanged: (c, o) => wf.checksChanged(c, o),
  });
  said.length = 0;
  updates.length = 0;
  followed.length = 0;
});
afterEach(async () => {
  await store.close();
  await fake.stop();
});

const turn = (actor: string): TurnTools => ({
  actor: who(actor),
  conversation,
  say: async (m) => (
    said.push(m),
    { platform: 'slack', channel: 'C0OPS', id: String(said.length) } as MessageRef
  ),
  button: async (req) => `${req.kind}:${(req.params as { approvalId?: string }).approvalId ?? 'diff'}`,
});

/** Propose a change, and the head of its branch once CI reports a job there. */
async function proposed(job: string) {
  await wf.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
  const change = (await changes.list())[0]!;
  const head = fake.branches.get(change.branch) as string;
  fake.setStatus(head, job, 'running');
  return { change, head, approvalId: change.approvalId as string };
}

/** Deliver a GitLab event through the webhook, as GitLab would; the look it starts runs after the answer. */
async function deliver(d: { headers: Record<string, string>; body: Record<string, unknown> }) {
  const spec = gitlabWebhook({
    tokens: [HOOK_TOKEN],
    deliveries: store.collection('git-deliveries'),
    events,
    now: () => clock.now(),
  });
  expect(spec.verify({ headers: d.headers, rawBody: Buffer.from(JSON.stringify(d.body)) })).toBeNull();
  const answer = await spec.handle({
    body: GitLabDeliverySchema.parse(d.body),
    headers: d.headers,
    log,
  } as never);
  await events.idle();
  return answer;
}
const pipelineEvent = (sha: string) => deliver(fake.pipelineHook(sha, HOOK_TOKEN));

describe('merge requirements on GitLab', () => {
  it('Approve refuses while a required job runs; merge when ready merges on the pipeline event that passes', async () => {
    const { change, head, approvalId } = await proposed('test');
    const mr = () => fake.mrs.find((m) => m.iid === change.pr.number)!;
    const refused = await wf
      .approve(approvalId, who('bob'), undefined, conversation)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as Error).message).toContain(
      `#${change.pr.number} cannot merge yet: waiting for 1 check (test)`,
    );
    expect((await approvals.get(approvalId))?.approvals).toEqual([]);

    const queued = await wf.approve(approvalId, who('bob'), undefined, conversation, { whenReady: true });
    expect(queued.reply?.text).toBe(
      `bob approved #${change.pr.number}; deckhand merges it when ready (waiting for 1 check (test)).`,
    );
    expect((await approvals.get(approvalId))?.state).toBe('queued');
    expect(queued.update?.data?.change).toMatchObject({
      approval: 'queued',
      checks: [{ name: 'test', state: 'pending', required: true, url: expect.stringContaining('/-/jobs/') }],
    });

    fake.setStatus(head, 'test', 'failed');
    expect(await pipelineEvent(head)).toMatchObject({ outcome: `looking again at #${change.pr.number}` });
    expect(mr().state).toBe('opened');
    expect(JSON.stringify(updates.at(-1))).toContain('required check test failed');

    fake.setStatus(head, 'test', 'success');
    // Every job passed, but GitLab's pipeline status has not caught up: it still holds the merge.
    fake.pipelineLags = true;
    await pipelineEvent(head);
    expect(mr().state).toBe('opened');
    expect(JSON.stringify(updates.at(-1))).toContain('waiting for 1 check (pipeline)');
    fake.pipelineLags = false;
    await pipelineEvent(head);
    expect(mr().state).toBe('merged');
    expect(followed).toEqual([`fu_${change.id}`]);
    const merges = await store.audit.query({ kind: 'merge' });
    expect(merges.map((e) => e.actor)).toEqual(['bob']);
    expect(said.map((m) => m.text).join('\n')).toContain(`Nothing holds #${change.pr.number} any more`);
    // The same event again (GitLab retries with the same Idempotency-Key) does nothing.
    const retried = fake.pipelineHook(head, HOOK_TOKEN);
    await deliver(retried);
    expect(await deliver(retried)).toMatchObject({ outcome: 'seen before' });
  });

  it('without webhooks, the approval sweep merges a queued approval once its jobs pass', async () => {
    const { change, head, approvalId } = await proposed('lint');
    await wf.approve(approvalId, who('bob'), undefined, conversation, { whenReady: true });
    await wf.reconcile();
    expect(fake.mrs[0]?.state).toBe('opened');
    fake.setStatus(head, 'lint', 'success');
    // The sweep reads a queued approval's host once a minute.
    await wf.reconcile();
    expect(fake.mrs[0]?.state).toBe('opened');
    clock.advance(60_000);
    await wf.reconcile();
    expect(fake.mrs[0]?.state).toBe('merged');
    expect((await approvals.get(approvalId))?.state).toMatch(/^(following|done)$/);
    expect(followed).toEqual([`fu_${change.id}`]);
  });

  it('a queued approval ends when it waits past its expiry, said once', async () => {
    const first = await proposed('test');
    await wf.approve(first.approvalId, who('bob'), undefined, conversation, { whenReady: true });
    clock.advance(365 * 86_400_000);
    await wf.reconcile();
    expect((await approvals.get(first.approvalId))?.state).toBe('expired');
    expect(fake.mrs[0]?.state).toBe('opened');
    expect(JSON.stringify(updates.at(-1))).toContain('Expired while waiting to merge');
    const told = said.filter((m) => /was not merged: it waited past/.test(m.text)).length;
    await wf.reconcile();
    expect(said.filter((m) => /was not merged: it waited past/.test(m.text)).length).toBe(told);
  });

  it('a host that refuses after saying ready keeps it queued, with its approvals; the third refusal goes back', async () => {
    const { head, approvalId } = await proposed('test');
    await wf.approve(approvalId, who('bob'), undefined, conversation, { whenReady: true });
    fake.setStatus(head, 'test', 'success');
    fake.refuseMerges = 1;
    await pipelineEvent(head);
    const again = await approvals.get(approvalId);
    expect([again?.state, again?.approvals.map((a) => a.by)]).toEqual(['queued', ['bob']]);
    expect(again?.outcome).toMatch(/the host refused the merge/);
    expect(said.some((m) => /was not merged when ready/.test(m.text))).toBe(false);
    // Refused twice more: back to the approvers, who are told; a plain Approve then is only that.
    fake.refuseMerges = 2;
    await pipelineEvent(head);
    expect((await approvals.get(approvalId))?.state).toBe('queued');
    await pipelineEvent(head);
    const back = await approvals.get(approvalId);
    expect([back?.state, back?.approvals, back?.payload.whenReady]).toEqual(['pending', [], undefined]);
    expect(said.some((m) => /was not merged when ready/.test(m.text))).toBe(true);
    await wf.approve(approvalId, who('carol'), undefined, conversation);
    expect(fake.mrs[0]?.state).toBe('merged');
  });

  it('a push while queued sends it back to its approvers with the new diff; a rejection stops a queued one', async () => {
    const { change, approvalId } = await proposed('test');
    await wf.approve(approvalId, who('bob'), undefined, conversation, { whenReady: true });
    const pushed = fake.push(change.branch, { 'apps/web/extra.yaml': 'x: 1\n' });
    fake.setStatus(pushed, 'test', 'success');
    await pipelineEvent(pushed);
    const back = await approvals.get(approvalId);
    expect([back?.state, back?.approvals]).toEqual(['pending', []]);
    expect(fake.mrs[0]?.state).toBe('opened');
    expect(said.map((m) => m.text).join('\n')).toMatch(/Someone pushed to/);

    // The new head's check fails: carol's merge when ready waits, and a rejection stops it.
    fake.setStatus(pushed, 'test', 'failed');
    const other = await wf.approve(approvalId, who('carol'), undefined, conversation, { whenReady: true });
    expect(other.update?.data?.change).toMatchObject({
      approval: 'queued',
      hold: 'required check test failed',
    });
    await wf.reject(approvalId, who('dave'));
    expect((await approvals.get(approvalId))?.state).toBe('rejected');
    expect(fake.mrs[0]?.state).toBe('closed');
    expect(await approvals.dequeue(approvalId, 'anyone', 1000)).toBeUndefined();
  });
  it('the host poll reads a pending card’s checks only while they may still move', async () => {
    const { head } = await proposed('test');
    const reads = () => fake.requests.filter((r) => r.endsWith('/statuses')).length;
    let before = reads();
    await events.poll(() => true);
    expect(reads()).toBe(before + 1);
    fake.setStatus(head, 'test', 'failed');
    await events.poll(() => true);
    before = reads();
    // Every check ended at this head: nothing to read until the head moves or an event says so.
    await events.poll(() => true);
    expect(reads()).toBe(before);
    fake.push((await changes.list())[0]!.branch, { 'apps/web/extra.yaml': 'y: 2\n' });
    await events.poll(() => true);
    expect(reads()).toBe(before + 1);
  });
});
