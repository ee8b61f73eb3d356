/**
 * The approval state machine of issue 20, driven step by step with a manual clock against a local
 * fake of GitLab's API: a merge whose process died is resumed by a press once its lease ran out
 * (not before), a pull request merged by a process that died before recording it is recorded by
 * the sweep and never merged again, a step carried on twice does nothing twice, and an expired
 * proposal asked for again gets a fresh card that merges.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalService } from '../../core/approvals.ts';
import type { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import type { Message, MessageRef } from '../../core/message/model.ts';
import type { SqliteStore } from '../../core/store/sqlite.ts';
import type { FakeGitLab } from '../../../test/support/fake-gitlab.ts';
import type { ArgoService } from '../argocd/index.ts';
import { ChangeService } from './changes.ts';
import { GitOpsConfigSchema } from './config.ts';
import type { FollowUps } from './followup.ts';
import type { GitLabHost } from './hosts/gitlab.ts';
import { conversation, gitlabWorld, GITLAB_REPO, replicasPlanner, webApp, who } from './testing.ts';
import { GitOpsWorkflow, type TurnTools } from './workflow.ts';
import { UpstreamError } from '../../core/errors.ts';

const LEASE = 30_000;
const REPO = GITLAB_REPO;
const r = webApp;
const planner = replicasPlanner;

let fake: FakeGitLab;
let store: SqliteStore;
let clock: ManualClock;
let approvals: ApprovalService;
let changes: ChangeService;
let followed: string[];
const said: Message[] = [];

/** One process: its own lease owner name over the shared store and Git host. */
function process(owner: string): GitOpsWorkflow {
  const followUps = {
    begin: async (f: { id: string }) => {
      followed.push(f.id);
      return { done: Promise.resolve() };
    },
    has: async () => false,
    follow: async () => undefined,
  } as unknown as FollowUps;
  return new GitOpsWorkflow({
    changes,
    approvals,
    argo: {} as ArgoService,
    followUps,
    clock,
    audit: store.audit,
    log: createLogger({ level: 'silent' }),
    mergeMethod: 'merge',
    followMs: 60_000,
    leaseMs: LEASE,
    owner,
  });
}

const turn = (actor: string): TurnTools => ({
  actor: who(actor),
  conversation,
  say: async (m) => {
    said.push(m);
    return { platform: 'slack', channel: 'C0OPS', id: String(said.length) } as MessageRef;
  },
  button: async (req) => `btn_${(req.params as { approvalId?: string }).approvalId ?? 'diff'}`,
});

/** The approval of the card posted last. */
const lastApproval = () =>
  String((said.findLast((m) => m.data?.change)?.data?.change as { approvalId: string }).approvalId);

const merges = async () => (await store.audit.query({ kind: 'merge' })).length;

beforeEach(async () => {
  ({ fake, clock, store, approvals, changes } = await gitlabWorld());
  followed = [];
  said.length = 0;
});
afterEach(async () => {
  await store.close();
  await fake.stop();
});

describe('approvals as a durable state machine', () => {
  it('a press on a merge whose process died waits for its lease, then resumes it once', async () => {
    const a = process('replica-a');
    const b = process('replica-b');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    // Replica A records the decision and the next step, then dies before merging.
    await approvals.approve(id, who('bob'), { owner: 'replica-a', leaseMs: LEASE });
    await approvals.step(id, 'replica-a', ['approved'], 'merging', { leaseMs: LEASE });
    await expect(b.approve(id, who('dave'), undefined, conversation)).rejects.toThrow(
      /being carried out \(merging\)/,
    );
    expect(fake.mrs[0]?.state).toBe('opened');
    clock.advance(LEASE + 1);
    const out = await b.approve(id, who('dave'), undefined, conversation);
    expect(out.reply?.text).toMatch(/^Merged #1 at [0-9a-f]{7}/);
    expect(fake.mrs[0]?.state).toBe('merged');
    expect((await approvals.get(id))?.state).toBe('following');
    expect(followed).toEqual([expect.stringMatching(/^fu_ch_web_1_/)]);
    expect(await merges()).toBe(1);
    // Carried on again: nothing more happens, and nobody is told "being carried out".
    expect(await b.reconcile()).toBe(0);
    await expect(a.approve(id, who('dave'), undefined, conversation)).rejects.toThrow(
      /Already (merged|done)/,
    );
    expect(await merges()).toBe(1);
  });

  it('a pull request merged by a process that died is recorded by the sweep, not merged again', async () => {
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    await approvals.approve(id, who('bob'), { owner: 'replica-a', leaseMs: LEASE });
    await approvals.step(id, 'replica-a', ['approved'], 'merging', { leaseMs: LEASE });
    const change = (await changes.list())[0]!;
    const host = changes.host(REPO);
    // The merge landed; replica A died before it could record it.
    const landed = await host.mergePullRequest(REPO, 1, { sha: change.headSha, method: 'merge' });
    const main = fake.head('main').id;
    const b = process('replica-b');
    expect(await b.reconcile()).toBe(0); // the lease still runs
    clock.advance(LEASE + 1);
    expect(await b.reconcile()).toBe(1);
    expect(fake.head('main').id).toBe(main);
    expect(await approvals.get(id)).toMatchObject({ state: 'following', payload: { mergeSha: landed.sha } });
    expect(await changes.get(change.id)).toMatchObject({ state: 'merged', mergeSha: landed.sha });
    const audit = await store.audit.query({ kind: 'merge' });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject({ sha: landed.sha, reconciled: true, approvers: ['bob'] });
    expect(followed).toHaveLength(1);
    clock.advance(LEASE + 1);
    expect(await b.reconcile()).toBe(0);
    expect(await merges()).toBe(1);
  });

  it('resumes a death after the merge was recorded: the audit is written once, the follow-up begins', async () => {
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    await a.approve(id, who('bob'), undefined, conversation);
    expect(await merges()).toBe(1);
    // As if A had died after recording the merge and its audit, before the follow-up step.
    await store.collection('approvals').update(id, (x) => ({
      ...(x as object),
      state: 'merged',
      lease: { owner: 'replica-a', until: clock.now() + LEASE },
    }));
    followed.length = 0;
    clock.advance(LEASE + 1);
    expect(await process('replica-b').reconcile()).toBe(1);
    expect(await merges()).toBe(1);
    expect(followed).toHaveLength(1);
    expect((await approvals.get(id))?.state).toBe('following');
  });

  it('resumes a death between recording the approval merged and the change: the change is marked, and told once', async () => {
    const told: string[] = [];
    const off = changes.onMerged((c) => told.push(c.id));
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    await a.approve(id, who('bob'), undefined, conversation);
    expect(told).toHaveLength(1);
    // As if A had died after the approval's `merged` step, before the change's own update.
    const changeId = (await changes.list())[0]!.id;
    await changes.save({ ...(await changes.get(changeId))!, state: 'open', mergeSha: undefined });
    await store.collection('approvals').update(id, (x) => ({
      ...(x as object),
      state: 'merged',
      lease: { owner: 'replica-a', until: clock.now() + LEASE },
    }));
    told.length = 0;
    clock.advance(LEASE + 1);
    expect(await process('replica-b').reconcile()).toBe(1);
    expect(await merges()).toBe(1);
    expect((await changes.get(changeId))?.state).toBe('merged');
    expect(told).toEqual([changeId]);
    off();
  });

  it('an expired proposal asked for again gets a fresh card whose Approve merges', async () => {
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const old = lastApproval();
    clock.advance(25 * 3_600_000);
    await expect(a.approve(old, who('bob'), undefined, conversation)).rejects.toThrow(
      /expired.*`gitops renew 1` posts a fresh card/,
    );
    expect((await approvals.get(old))?.state).toBe('expired');
    // The same command again: a new card for the same pull request, with its own buttons.
    const cards = said.length;
    expect(await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 })).toBeUndefined();
    expect(said).toHaveLength(cards + 1);
    const fresh = lastApproval();
    expect(fresh).not.toBe(old);
    expect(said.at(-1)?.buttons?.map((x) => x.label)).toContain('Approve & merge');
    // Asked a third time, it points at the card that waits rather than posting another.
    const again = await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    expect(again?.text).toMatch(/already proposed: #1 .*waiting for approval/);
    expect((await a.approve(fresh, who('bob'), undefined, conversation)).reply?.text).toMatch(/^Merged #1/);
    expect(fake.mrs).toHaveLength(1);
    expect(fake.mrs[0]?.state).toBe('merged');
  });

  it('a deadline before the write writes nothing; one during the pull request creation is reported when it lands', async () => {
    const gitlab = changes.hosts[0] as GitLabHost;
    let onWire!: () => void;
    let release!: () => void;
    const wire = new Promise<void>((ok) => (onWire = ok));
    const gate = new Promise<void>((ok) => (release = ok));
    // The pull request's creation is held on the wire until the test lets it land.
    const slow = Object.create(gitlab) as GitLabHost;
    slow.openPullRequest = async (...args) => {
      onWire();
      await gate;
      return gitlab.openPullRequest(...args);
    };
    changes = new ChangeService({
      hosts: [slow],
      store,
      plan: planner,
      config: GitOpsConfigSchema.parse({}),
      clock,
    });
    const a = process('replica-a');
    const early = new AbortController();
    early.abort(new Error('did not finish within 30 s'));
    await expect(
      a.propose(turn('alice'), r, { kind: 'replicas', replicas: 4 }, { signal: early.signal }),
    ).rejects.toThrow(/did not finish/);
    expect([...fake.branches.keys()]).toEqual(['main']);
    const late = new AbortController();
    const asked = a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 }, { signal: late.signal });
    await wire;
    late.abort(new Error('did not finish within 30 s'));
    release();
    expect(await asked).toBeUndefined();
    expect(said.at(-2)?.text).toMatch(/was opened after the deadline: #1 /);
    expect(said.at(-1)?.buttons?.map((x) => x.label)).toContain('Approve & merge');
    expect(fake.mrs).toHaveLength(1);
  });

  it('gitops renew gives an expired proposal a fresh card; refuses one still waiting', async () => {
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const old = lastApproval();
    expect((await a.renew(turn('alice'), 1))?.text).toMatch(/waiting for approval/);
    clock.advance(25 * 3_600_000);
    expect(await a.renew(turn('alice'), 1)).toBeUndefined();
    const fresh = lastApproval();
    expect(fresh).not.toBe(old);
    expect((await approvals.get(old))?.state).toBe('expired');
    expect((await a.approve(fresh, who('bob'), undefined, conversation)).reply?.text).toMatch(/^Merged #1/);
  });

  it('a store that fails right after the merge: the approver reads that it was merged, and the sweep records it', async () => {
    const a = process('replica-a');
    await a.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    const realStep = approvals.step.bind(approvals);
    let failing = true;
    approvals.step = (async (...args: Parameters<typeof realStep>) => {
      if (failing && args[3] === 'merged')
        throw new UpstreamError(
          'store',
          'unreachable',
          "deckhand's database (PostgreSQL) is unavailable: Connection terminated.",
        );
      return realStep(...args);
    }) as typeof approvals.step;
    const err = (await a.approve(id, who('bob'), undefined, conversation).then(
      () => undefined,
      (e: unknown) => e,
    )) as UpstreamError;
    expect(fake.mrs[0]?.state).toBe('merged');
    expect(err.message).toMatch(/^#1 was merged at [0-9a-f]{7}, but deckhand's database is unavailable/);
    expect(err.hint).not.toMatch(/Nothing/);
    // The database is back; the lease runs out; a serving replica records the merge, once.
    failing = false;
    clock.advance(LEASE + 1);
    expect(await process('replica-b').reconcile()).toBe(1);
    expect((await approvals.get(id))?.state).toBe('following');
    expect(await merges()).toBe(1);
    expect(fake.mrs.filter((m) => m.state === 'merged')).toHaveLength(1);
  });

  it('a merge whose answer was lost stays merging (not back to the approvers) and the sweep records it', async () => {
    const first = process('replica-a');
    await first.propose(turn('alice'), r, { kind: 'replicas', replicas: 3 });
    const id = lastApproval();
    const gitlab = changes.hosts[0] as GitLabHost;
    const flaky = Object.create(gitlab) as GitLabHost;
    let failReads = true;
    let reads = 0;
    flaky.getPullRequest = async (...args) => {
      // The first read (before the merge) answers; the ones after the lost answer fail too.
      if (failReads && ++reads >= 2)
        throw new UpstreamError('git@gitlab', 'error', 'gitlab failed to read !1 (HTTP 503).');
      return gitlab.getPullRequest(...args);
    };
    flaky.mergePullRequest = async (...args) => {
      await gitlab.mergePullRequest(...args);
      throw new UpstreamError(
        'git@gitlab',
        'error',
        'gitlab.example.com failed to merge !1 (HTTP 502): Bad Gateway.',
      );
    };
    changes = new ChangeService({
      hosts: [flaky],
      store,
      plan: planner,
      config: GitOpsConfigSchema.parse({}),
      clock,
    });
    const err = (await process('replica-a')
      .approve(id, who('bob'), undefined, conversation)
      .then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
    expect(err.message).toMatch(/Whether #1 was merged is not known yet/);
    const req = await approvals.get(id);
    expect(req?.state).toBe('merging');
    expect(req?.approvals.map((x) => x.by)).toEqual(['bob']);
    failReads = false;
    clock.advance(LEASE + 1);
    expect(await process('replica-b').reconcile()).toBe(1);
    expect((await approvals.get(id))?.state).toBe('following');
    expect(await merges()).toBe(1);
  });
});
