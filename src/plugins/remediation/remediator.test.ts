import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ActionRequest } from '../../core/actions.ts';
import { ManualClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logging.ts';
import type { Conversation, Message } from '../../core/message/model.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import type { Store } from '../../core/store/types.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { Diagnosis, Finding } from '../diagnosis/index.ts';
import type { Change, FollowUp, Intent, TurnTools } from '../gitops-pr/index.ts';
import type { Incident } from '../incidents/index.ts';
import type { Workload } from './change.ts';
import { RemediationConfigSchema } from './config.ts';
import { Guardrails } from './guardrails.ts';
import { OPEN_ACTION, Remediator, type Taken } from './remediator.ts';

const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });
const THREAD: Conversation = { platform: 'test', channel: 'C0OPS', thread: '1700.1' };

const r = {
  instance: 'default',
  ref: 'naver-news',
  app: {
    metadata: { name: 'naver-news', namespace: 'argocd' },
    spec: { project: 'homelab', destination: { namespace: 'naver-news' } },
  },
  locator: { name: 'naver-news' },
} as unknown as ResolvedApp;

const oom: Finding = {
  category: 'OOMKilled',
  severity: 'critical',
  confidence: 'high',
  basis: [],
  resource: { kind: 'Deployment', namespace: 'naver-news', name: 'naver-news', container: 'naver-news' },
  summary: 'container naver-news exceeded its 512Mi memory limit',
  evidence: [],
};
const diagnosis: Diagnosis = {
  app: 'naver-news',
  sync: 'Synced',
  health: 'Degraded',
  incomplete: [],
  unassessed: [],
  withheld: [],
  findings: [oom],
  rootCause: oom,
};
const deployment = (memory: string): Workload => ({
  spec: { template: { spec: { containers: [{ name: 'naver-news', resources: { limits: { memory } } }] } } },
});
const incident = { key: 'inc1', alertname: 'KubePodOOMKilled', status: 'firing' } as Incident;

/** The GitOps workflow as remediation uses it: records calls; merges become change ids. */
class FakeGitOps {
  applied: { actor: string; intent: Intent; rule: string; decidedBy: string; where: Conversation }[] = [];
  proposed: { actor: string; intent: Intent; rule?: string }[] = [];
  open: { number: number; url: string; title: string } | undefined;
  fail: Error | undefined;
  /** Holds apply() until released, to stage two decisions at once. */
  gate: Promise<void> | undefined;
  private n = 10;

  async openPullRequestFor() {
    return this.open;
  }
  async propose(t: TurnTools, _r: ResolvedApp, intent: Intent, opts: { rule?: string } = {}) {
    this.proposed.push({ actor: t.actor.id, intent, rule: opts.rule });
    return undefined;
  }
  async apply(
    t: TurnTools,
    _r: ResolvedApp,
    intent: Intent,
    opts: { rule: string; decidedBy: string; onMerged?: (c: Change) => Promise<void> },
  ) {
    this.applied.push({
      actor: t.actor.id,
      intent,
      rule: opts.rule,
      decidedBy: opts.decidedBy,
      where: t.conversation,
    });
    if (this.gate) await this.gate;
    if (this.fail) throw this.fail;
    const n = ++this.n;
    const change = { id: `ch_${n}`, pr: { number: n, url: `https://git.example/pr/${n}` } } as Change;
    await opts.onMerged?.(change);
    return { change, sha: `${n}`.padEnd(40, 'a') };
  }
}

function setup(cfg: Record<string, unknown> = {}, shared?: { store: Store; clock: ManualClock }) {
  const clock = shared?.clock ?? new ManualClock(Date.parse('2026-11-24T10:00:00Z'));
  const store = shared?.store ?? new SqliteStore(':memory:', clock);
  const config = RemediationConfigSchema.parse({
    rules: [
      {
        name: 'oom',
        match: { categories: ['OOMKilled'] },
        action: { kind: 'resources', factor: 1.5, max: '2Gi' },
        mode: 'auto',
      },
    ],
    ...cfg,
  });
  const gitops = new FakeGitOps();
  const posted: { to: Conversation; m: Message }[] = [];
  const buttons: ActionRequest[] = [];
  const background: Promise<unknown>[] = [];
  let limit = '512Mi';
  let diagnoses = 0;
  const faults: { button?: Error } = {};
  const guardrails = new Guardrails(store, clock, config.guardrails);
  const taken: Taken[] = [];
  const rem = new Remediator({
    config,
    gitops,
    guardrails,
    store,
    chat: {
      post: async (to, m) => {
        posted.push({ to, m });
        return { ...to, id: String(posted.length) };
      },
    },
    button: async (req) => {
      if (faults.button) throw faults.button;
      buttons.push(req);
      return `a_button${buttons.length}`;
    },
    workload: async () => deployment(limit),
    resolve: async () => r,
    diagnose: async () => {
      diagnoses++;
      return diagnosis;
    },
    incident: async () => incident,
    clock,
    audit: store.audit,
    log,
    track: (p) => {
      background.push(p);
      return p;
    },
    taken: (t) => taken.push(t),
  });
  const outcomes = () =>
    posted.map((p) => (p.m.data?.remediation as { outcome: string } | undefined)?.outcome).filter(Boolean);
  return {
    rem,
    gitops,
    guardrails,
    store,
    clock,
    posted,
    buttons,
    outcomes,
    taken,
    background,
    faults,
    setLimit: (l: string) => (limit = l),
    diagnoses: () => diagnoses,
    decide: () => rem.decide({ r, diagnosis, thread: THREAD, incident }),
  };
}

const followUp = (changeId: string, revision = 'b'.repeat(40)): FollowUp => ({
  id: `fu_${changeId}`,
  app: 'naver-news',
  instance: 'default',
  revision,
  startedAt: 0,
  deadline: 0,
  conversation: THREAD,
  what: 'set memory limit 768Mi',
  changeId,
});

const admin = { id: 'root', name: 'root', platform: 'test', platformUserId: 'U1', groups: [], known: true };

describe('auto mode', () => {
  it('merges the computed change as the rule, records it, and settles it when the follow-up ends', async () => {
    const t = setup();
    expect(await t.decide()).toBe('merged');
    expect(t.gitops.applied).toEqual([
      {
        actor: 'rule:oom',
        intent: { kind: 'resources', container: 'naver-news', limits: { memory: '768Mi' } },
        rule: 'oom',
        decidedBy: 'remediation rule oom (auto)',
        where: THREAD,
      },
    ]);
    expect(t.posted.at(-1)!.to).toEqual(THREAD);
    expect(t.posted.at(-1)!.m.text).toBe(
      'Rule oom: merged #11 (raise the memory limit of container naver-news from 512Mi to 768Mi) automatically',
    );
    expect((await t.guardrails.recent())[0]).toMatchObject({ state: 'pending', changeId: 'ch_11', pr: 11 });
    await t.rem.followUpDone(followUp('ch_11'), 'healthy');
    expect((await t.guardrails.recent())[0]).toMatchObject({ state: 'healthy' });
    const audit = await t.store.audit.query({ kind: 'remediation' });
    expect(audit.map((e) => e.name).sort()).toEqual(['followed', 'merged']);
    // Beyond chat, only what was done: the merge, with the incident it answers.
    expect(t.taken).toEqual([expect.objectContaining({ app: 'naver-news', project: 'homelab', incident })]);
    expect(audit.find((e) => e.name === 'merged')!.detail).toMatchObject({
      rule: 'oom',
      mode: 'auto',
      category: 'OOMKilled',
      incident: 'inc1',
      pr: { number: 11 },
    });
  });

  it('holds the next one back by the cooldown, saying which guardrail and offering the manual path', async () => {
    const t = setup();
    await t.decide();
    await t.rem.followUpDone(followUp('ch_11'), 'healthy');
    t.clock.advance(5 * 60_000);
    t.setLimit('768Mi');
    expect(await t.decide()).toBe('held');
    const held = t.posted.at(-1)!.m;
    expect(held.data?.remediation).toMatchObject({ outcome: 'held', guardrail: 'cooldown' });
    expect(held.blocks?.[0]).toMatchObject({
      text: expect.stringContaining(
        '**cooldown**: cooldown: the last resources change to naver-news was 5m ago (rule oom waits 30m)',
      ),
    });
    expect(held.buttons).toEqual([
      { actionId: 'a_button1', label: 'Open PR: memory limit 1152Mi', style: 'primary' },
    ]);
    expect(t.buttons[0]).toMatchObject({
      kind: OPEN_ACTION,
      params: {
        app: 'naver-news',
        instance: 'default',
        rule: 'oom',
        intent: { limits: { memory: '1152Mi' } },
      },
      scope: { app: 'naver-news', project: 'homelab' },
    });
    expect(t.gitops.applied).toHaveLength(1);
  });

  type Case = [string, (t: ReturnType<typeof setup>) => unknown, Record<string, unknown>?];
  it.each<Case>([
    ['open-pull-request', (t) => (t.gitops.open = { number: 4, url: 'u', title: 't' })],
    ['paused', (t) => t.guardrails.pause('carol')],
    ['max-per-hour', () => undefined, { guardrails: { maxPerHour: 0 } }],
    ['max-per-app-per-day', () => undefined, { guardrails: { maxPerAppPerDay: 0 } }],
    ['window', () => undefined, { guardrails: { window: { days: ['sat'], from: '00:00', to: '23:59' } } }],
  ])('is held by the %s guardrail', async (guardrail, arrange, cfg = {}) => {
    const t = setup(cfg);
    await arrange(t);
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({ guardrail });
    expect(t.gitops.applied).toEqual([]);
    // Held back is not taken: nothing goes beyond chat.
    expect(t.taken).toEqual([]);
    expect(await t.store.audit.query({ kind: 'remediation' })).toEqual([
      expect.objectContaining({ name: 'held', detail: expect.objectContaining({ guardrail, rule: 'oom' }) }),
    ]);
  });

  it('is held while the last automatic change has not become Healthy', async () => {
    const t = setup();
    await t.decide();
    t.clock.advance(60 * 60_000);
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({ guardrail: 'not-healthy' });
  });

  it('holds to be safe when it cannot tell whether a pull request is open', async () => {
    const t = setup();
    t.gitops.openPullRequestFor = async () => {
      throw new Error('GitHub did not answer in 10 s');
    };
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.text).toMatch(
      /could not tell whether naver-news has a deckhand pull request open/,
    );
  });

  it('stops at the rule maximum and asks a person, changing nothing', async () => {
    const t = setup();
    t.setLimit('2Gi');
    expect(await t.decide()).toBe('stopped');
    expect(t.posted.at(-1)!.m.text).toBe(
      "Rule oom stops here: the memory limit of container naver-news is already 2Gi, the rule's maximum is 2Gi. A person has to decide.",
    );
    expect(t.gitops.applied).toEqual([]);
    expect(await t.store.audit.query({ kind: 'remediation' })).toEqual([
      expect.objectContaining({ name: 'stopped' }),
    ]);
  });

  it('counts nothing when the merge fails, and offers the manual path', async () => {
    const t = setup();
    t.gitops.fail = new Error('GitHub will not merge pull request #11: required checks');
    expect(await t.decide()).toBe('failed');
    expect(t.posted.at(-1)!.m).toMatchObject({
      text: 'Rule oom could not raise the memory limit of container naver-news from 512Mi to 768Mi: GitHub will not merge pull request #11: required checks',
      buttons: [expect.objectContaining({ label: 'Open PR: memory limit 768Mi' })],
    });
    expect(await t.guardrails.recent()).toEqual([]);
    // An automatic attempt that failed is told beyond chat (its Open PR button is chat's).
    expect(t.taken.map((x) => x.message.data?.remediation)).toEqual([
      expect.objectContaining({ outcome: 'failed' }),
    ]);
  });

  it('says an unexpected failure only by its error id', async () => {
    const t = setup({ guardrails: { maxPerHour: 0 } });
    t.faults.button = new TypeError("Cannot read properties of undefined (reading 'secret')");
    expect(await t.decide()).toBe('failed');
    expect(t.posted.at(-1)!.m.text).toMatch(
      /^Remediation for naver-news failed: internal error e-[a-z0-9]+$/,
    );
  });

  it('does not act on a diagnosis that could not see everything, and says why', async () => {
    const t = setup();
    const partial = { ...diagnosis, incomplete: ['kubernetes:events/naver-news: did not answer within 5 s'] };
    expect(await t.rem.decide({ r, diagnosis: partial, thread: THREAD })).toBe('stopped');
    expect(t.gitops.applied).toEqual([]);
    expect(t.posted.at(-1)!.m.text).toContain('the diagnosis could not see everything');
  });

  it('does nothing for a diagnosis no rule matches', async () => {
    const t = setup();
    const other = { ...oom, category: 'ImagePullError' as const };
    expect(
      await t.rem.decide({
        r,
        diagnosis: { ...diagnosis, findings: [other], rootCause: other },
        thread: THREAD,
      }),
    ).toBe('none');
    expect(t.posted).toEqual([]);
  });
});

describe('two alerts for one app at once', () => {
  it('lead to one change: the second decision is held while the first holds the lock', async () => {
    const t = setup();
    let release!: () => void;
    t.gitops.gate = new Promise((res) => (release = res));
    const first = t.decide();
    // Let the first decision reach the merge, then decide again.
    while (t.gitops.applied.length === 0) await new Promise((res) => setImmediate(res));
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({ guardrail: 'in-progress' });
    release();
    expect(await first).toBe('merged');
    expect(t.gitops.applied).toHaveLength(1);
    // And after it: the first is not Healthy yet.
    expect(await t.decide()).toBe('held');
    expect(t.gitops.applied).toHaveLength(1);
  });

  it('lead to one change across two bot replicas sharing the store', async () => {
    const a = setup();
    const b = setup({}, { store: a.store, clock: a.clock });
    const results = await Promise.all([a.decide(), b.decide()]);
    expect(results.sort()).toEqual(['held', 'merged']);
    expect(a.gitops.applied.length + b.gitops.applied.length).toBe(1);
  });
});

describe('the kill switch', () => {
  it('pause holds every automatic action; resume looks again at what it held and lets it go; both audited', async () => {
    const t = setup();
    expect(await t.rem.pause(admin, THREAD)).toEqual({ already: undefined });
    expect((await t.rem.pause(admin, THREAD)).already).toMatchObject({ by: 'root' });
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({ guardrail: 'paused' });
    expect(await t.rem.heldApps()).toEqual([
      expect.objectContaining({ app: 'naver-news', incident: 'inc1' }),
    ]);

    expect(await t.rem.resume(admin, THREAD)).toEqual({ wasPaused: true, released: ['naver-news'] });
    await Promise.all(t.background);
    expect(t.diagnoses()).toBe(1);
    expect(t.gitops.applied).toHaveLength(1);
    expect(t.outcomes()).toEqual(['held', 'merged']);
    expect(await t.rem.heldApps()).toEqual([]);
    const audit = await t.store.audit.query({ kind: 'remediation' });
    expect(audit.filter((e) => e.actor === 'root').map((e) => e.name)).toEqual([
      'resumed',
      'paused',
      'paused',
    ]);
  });

  it('holds propose mode too, and lets a suggestion through', async () => {
    const t = setup({
      rules: [
        { name: 'p', match: { categories: ['OOMKilled'] }, action: { kind: 'restart' }, mode: 'propose' },
      ],
    });
    await t.rem.pause(admin, THREAD);
    expect(await t.decide()).toBe('held');
    expect(t.gitops.proposed).toEqual([]);
    const s = setup({
      rules: [
        { name: 's', match: { categories: ['OOMKilled'] }, action: { kind: 'restart' }, mode: 'suggest' },
      ],
    });
    await s.rem.pause(admin, THREAD);
    expect(await s.decide()).toBe('suggested');
  });

  it('resume with an app lets rules act on it again after a change that ended degraded', async () => {
    const t = setup();
    await t.decide();
    await t.rem.followUpDone(followUp('ch_11'), 'degraded');
    t.clock.advance(60 * 60_000);
    expect(await t.decide()).toBe('held');
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({ guardrail: 'not-healthy' });
    expect(await t.rem.resume(admin, THREAD, 'naver-news')).toMatchObject({ acknowledged: 1 });
    expect(await t.decide()).toBe('merged');
  });
});

describe('modes and dry run', () => {
  it('suggest posts the change with an Open-PR button and opens nothing', async () => {
    const t = setup({
      rules: [
        {
          name: 'oom',
          match: { categories: ['OOMKilled'] },
          action: { kind: 'resources', factor: 1.5, max: '2Gi' },
          mode: 'suggest',
        },
      ],
    });
    expect(await t.decide()).toBe('suggested');
    expect(t.posted.at(-1)!.m).toMatchObject({
      text: 'Rule oom suggests: raise the memory limit of container naver-news from 512Mi to 768Mi',
      buttons: [{ actionId: 'a_button1', label: 'Open PR: memory limit 768Mi', style: 'primary' }],
    });
    expect([...t.gitops.applied, ...t.gitops.proposed]).toEqual([]);
  });

  it('propose opens the pull request with the rule as requester', async () => {
    const t = setup({
      rules: [
        {
          name: 'oom',
          match: { categories: ['OOMKilled'] },
          action: { kind: 'resources', factor: 1.5, max: '2Gi' },
          mode: 'propose',
        },
      ],
    });
    expect(await t.decide()).toBe('proposed');
    expect(t.gitops.proposed).toEqual([
      { actor: 'rule:oom', rule: 'oom', intent: expect.objectContaining({ limits: { memory: '768Mi' } }) },
    ]);
    expect(t.gitops.applied).toEqual([]);
  });

  it('dry run says what it would do and what would hold it, and does nothing', async () => {
    const t = setup({ dryRun: true });
    expect(await t.decide()).toBe('dry-run');
    expect(t.posted.at(-1)!.m.text).toBe(
      'Dry run: rule oom would open and merge a pull request to raise the memory limit of container naver-news from 512Mi to 768Mi',
    );
    t.gitops.open = { number: 3, url: 'u', title: 't' };
    await t.decide();
    expect(t.posted.at(-1)!.m.data?.remediation).toMatchObject({
      outcome: 'dry-run',
      guardrail: 'open-pull-request',
    });
    expect([...t.gitops.applied, ...t.gitops.proposed]).toEqual([]);
    expect(await t.guardrails.recent()).toEqual([]);
  });
});

describe('revert on failure', () => {
  const reverting = {
    rules: [
      {
        name: 'oom',
        match: { categories: ['OOMKilled'] },
        action: { kind: 'resources', factor: 1.5, max: '2Gi' },
        mode: 'auto',
        revertOnFailure: true,
      },
    ],
  };

  it('reverts a change that ended degraded, automatically and once', async () => {
    const t = setup(reverting);
    await t.decide();
    await t.rem.followUpDone(followUp('ch_11', 'c'.repeat(40)), 'degraded');
    expect(t.gitops.applied.at(-1)).toMatchObject({
      intent: { kind: 'revert', commit: 'c'.repeat(40) },
      decidedBy: 'remediation rule oom (revertOnFailure)',
    });
    expect(t.posted.at(-1)!.m.text).toBe(
      'Rule oom reverted #11 automatically (it ended degraded): merged #12',
    );
    const states = (await t.guardrails.recent()).map((c) => [c.action, c.state]);
    expect(states).toEqual([
      ['revert', 'pending'],
      ['resources', 'reverted'],
    ]);
    // The revert did not help either: no second revert, a person is asked.
    await t.rem.followUpDone(followUp('ch_12'), 'timeout');
    expect(t.gitops.applied).toHaveLength(2);
    expect(t.posted.at(-1)!.m.text).toMatch(
      /did not make naver-news Healthy either \(timeout\).*A person has to decide/,
    );
    // A follow-up that ends twice is settled once.
    await t.rem.followUpDone(followUp('ch_11'), 'degraded');
    expect(t.gitops.applied).toHaveLength(2);
    // Beyond chat: the merge, in the incident's story, then the revert, in the reverted change's.
    expect(t.taken.map((x) => [x.message.data?.remediation, x.incident?.key, x.revertOf])).toEqual([
      [expect.objectContaining({ outcome: 'merged' }), 'inc1', undefined],
      [expect.objectContaining({ outcome: 'reverted', of: 11 }), undefined, 'ch_11'],
    ]);
  });

  it('tells a revert that could not be made beyond chat, with why', async () => {
    const t = setup(reverting);
    await t.decide();
    t.gitops.fail = new Error('the branch is protected');
    await t.rem.followUpDone(followUp('ch_11'), 'degraded');
    expect(t.taken.at(-1)).toMatchObject({
      app: 'naver-news',
      revertOf: 'ch_11',
      message: {
        tone: 'danger',
        data: { remediation: { outcome: 'failed', reason: 'the branch is protected' } },
      },
    });
  });

  it('does not revert without revertOnFailure, nor while paused', async () => {
    const plain = setup();
    await plain.decide();
    await plain.rem.followUpDone(followUp('ch_11'), 'degraded');
    expect(plain.gitops.applied).toHaveLength(1);
    const paused = setup(reverting);
    await paused.decide();
    await paused.rem.pause(admin, THREAD);
    await paused.rem.followUpDone(followUp('ch_11'), 'timeout');
    expect(paused.gitops.applied).toHaveLength(1);
    expect(paused.posted.at(-1)!.m.text).toMatch(
      /would revert #11 automatically, but automatic remediation is paused/,
    );
  });
});
