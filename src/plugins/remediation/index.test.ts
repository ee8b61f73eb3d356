/**
 * The plugin as the host wires it: the incidents subscription starts a decision, the follow-up
 * subscription settles it, `/remediation pause|resume|status` need remediation.admin and are
 * audited, and the manual-path button opens the pull request as the person who pressed it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestBot, renderText, type TestBot } from '../../../test/support/test-bot.ts';
import type { AnyPlugin } from '../../core/plugin.ts';
import { definePlugin } from '../../core/plugin.ts';
import type { Logger } from '../../core/logging.ts';
import { ArgoToken, type ArgoService, type ResolvedApp } from '../argocd/index.ts';
import { DiagnosisToken, type Diagnosis, type DiagnosisService, type Finding } from '../diagnosis/index.ts';
import {
  GitOpsToken,
  type Change,
  type FollowUpListener,
  type GitOpsWorkflow,
  type Intent,
  type TurnTools,
} from '../gitops-pr/index.ts';
import {
  IncidentsToken,
  type DiagnosedListener,
  type Incident,
  type IncidentService,
} from '../incidents/index.ts';
import { remediationPlugin } from './index.ts';

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
const liveDeployment = {
  kind: 'Deployment',
  spec: {
    template: { spec: { containers: [{ name: 'naver-news', resources: { limits: { memory: '640Mi' } } }] } },
  },
};
const r = {
  instance: 'default',
  ref: 'naver-news',
  app: {
    metadata: { name: 'naver-news', namespace: 'argocd' },
    spec: { project: 'homelab', destination: { namespace: 'naver-news' } },
  },
  locator: { name: 'naver-news' },
  client: {
    // Argo CD's managed resources: the target state (Git) wins over the live state.
    managedResources: async () => [
      { kind: 'Service', name: 'naver-news', namespace: 'naver-news', targetState: '{}' },
      {
        kind: 'Deployment',
        name: 'naver-news',
        namespace: 'naver-news',
        targetState: JSON.stringify(liveDeployment),
        liveState: JSON.stringify({ ...liveDeployment, spec: {} }),
      },
    ],
  },
} as unknown as ResolvedApp;
const incident = { key: 'inc1', alertname: 'KubePodOOMKilled', status: 'firing' } as Incident;
const THREAD = { platform: 'test', channel: 'C0OPS', thread: 't1' };

function fakes() {
  const diagnosed: DiagnosedListener[] = [];
  const followUps: FollowUpListener[] = [];
  const applied: { actor: string; intent: Intent }[] = [];
  const proposed: { actor: string; intent: Intent; reason?: string; rule?: string }[] = [];
  const gitops = {
    onFollowUpDone: (fn: FollowUpListener) => {
      followUps.push(fn);
      return () => undefined;
    },
    openPullRequestFor: async () => undefined,
    propose: async (
      t: TurnTools,
      _r: ResolvedApp,
      intent: Intent,
      opts: { reason?: string; rule?: string },
    ) => {
      proposed.push({ actor: t.actor.id, intent, ...opts });
      return { text: 'proposed #20' };
    },
    apply: async (
      t: TurnTools,
      _r: ResolvedApp,
      intent: Intent,
      opts: { onMerged?: (c: Change) => Promise<void> },
    ) => {
      applied.push({ actor: t.actor.id, intent });
      const change = { id: `ch_${applied.length}`, pr: { number: applied.length, url: 'u' } } as Change;
      await opts.onMerged?.(change);
      return { change, sha: 'f'.repeat(40) };
    },
  };
  const plugin = definePlugin({
    id: 'fakes',
    summary: 'the services remediation needs, as test doubles',
    provides: [IncidentsToken, GitOpsToken, ArgoToken, DiagnosisToken],
    // Standing in for gitops, it grants gitops's permissions as gitops does.
    grants: { 'gitops.propose': ['operator', 'approver'], 'gitops.approve': ['approver'] },
    init({ provide }) {
      provide(IncidentsToken, {
        onDiagnosed: (fn: DiagnosedListener) => {
          diagnosed.push(fn);
          return () => undefined;
        },
        get: async () => incident,
      } as unknown as IncidentService);
      provide(GitOpsToken, gitops as unknown as GitOpsWorkflow);
      provide(ArgoToken, { resolve: async () => r } as unknown as ArgoService);
      provide(DiagnosisToken, { run: async () => ({ diagnosis }) } as unknown as DiagnosisService);
    },
  });
  return { plugin, diagnosed, followUps, applied, proposed };
}

const config = `
server: {enabled: false}
identities: {root: {}, olga: {}}
access:
  bindings:
    - {roles: [admin], users: [root]}
    - {roles: [operator], users: [olga]}
plugins:
  remediation:
    rules:
      - name: oom
        match: {categories: [OOMKilled]}
        action: {kind: resources, factor: 1.5, max: 2Gi}
        mode: auto
`;

let t: TestBot;
afterEach(async () => t?.stop());

describe('the remediation plugin', () => {
  it('pause and resume need remediation.admin, are audited, hold and release the decision', async () => {
    const f = fakes();
    t = await createTestBot({ plugins: [f.plugin as AnyPlugin, remediationPlugin as AnyPlugin], config });
    const denied = await t.say('remediation pause', 'olga');
    expect(denied.ok).toBe(false);
    expect(renderText(denied.messages[0]!)).toContain('remediation.admin');
    expect((await t.say('remediation pause', 'root')).ok).toBe(true);

    // The incidents plugin tells about a diagnosed incident: the kill switch holds the change.
    expect(f.diagnosed).toHaveLength(1);
    await f.diagnosed[0]!({ incident, app: r, diagnosis, thread: THREAD }, {} as Logger);
    const held = t.chat.posted.at(-1)!;
    expect(held.ref.thread).toBe('t1');
    expect(held.message.data?.remediation).toMatchObject({ outcome: 'held', guardrail: 'paused' });
    expect(f.applied).toEqual([]);

    const status = await t.say('remediation status', 'root');
    expect(status.messages[0]!.data?.remediation).toMatchObject({
      paused: { by: 'root' },
      held: ['naver-news'],
      rules: [{ name: 'oom', mode: 'auto' }],
    });
    expect(renderText(status.messages[0]!)).toMatch(/paused\*?\*? by root/);
    expect((await t.say('remediation status', 'olga')).ok).toBe(false);

    const resumed = await t.say('remediation resume', 'root');
    expect(renderText(resumed.messages[0]!)).toContain('Looking again at what it held back: naver-news');
    await t.bot.tasks.idle(5_000);
    // The current limit came from Argo CD's target state of the Deployment: 640Mi × 1.5.
    expect(f.applied).toEqual([
      {
        actor: 'rule:oom',
        intent: { kind: 'resources', container: 'naver-news', limits: { memory: '960Mi' } },
      },
    ]);

    // The follow-up ends Healthy: the change is settled and counted.
    f.followUps[0]!(
      {
        id: 'fu_ch_1',
        app: 'naver-news',
        instance: 'default',
        revision: 'f'.repeat(40),
        startedAt: 0,
        deadline: 0,
        conversation: THREAD,
        what: 'x',
        changeId: 'ch_1',
      },
      'healthy',
      { text: 'naver-news synced, Healthy' },
    );
    await t.bot.tasks.idle(5_000);
    const after = await t.say('remediation status', 'root');
    expect(after.messages[0]!.data?.remediation).toMatchObject({
      paused: null,
      apps: [
        {
          app: 'naver-news',
          changes: 1,
          last: { state: 'healthy', rule: 'oom' },
          cooldowns: ['resources 30m'],
        },
      ],
    });

    const audit = await t.bot.store.audit.query({ kind: 'remediation' });
    expect(audit.map((e) => `${e.name} ${e.actor}`)).toEqual(
      expect.arrayContaining(['paused root', 'resumed root', 'held deckhand', 'merged deckhand']),
    );
  });

  it('the manual-path button opens the pull request as the person who pressed it', async () => {
    const f = fakes();
    t = await createTestBot({ plugins: [f.plugin as AnyPlugin, remediationPlugin as AnyPlugin], config });
    await t.say('remediation pause', 'root');
    await f.diagnosed[0]!({ incident, app: r, diagnosis, thread: THREAD }, {} as Logger);
    const button = t.chat.posted.at(-1)!.message.buttons![0] as { actionId: string; label: string };
    expect(button.label).toBe('Open PR: memory limit 960Mi');
    const pressed = await t.press(button.actionId, 'olga');
    expect(pressed.ok).toBe(true);
    expect(f.proposed).toEqual([
      {
        actor: 'olga',
        intent: { kind: 'resources', container: 'naver-news', limits: { memory: '960Mi' } },
        reason:
          'suggested by remediation rule oom — OOMKilled: container naver-news exceeded its 512Mi memory limit (alert KubePodOOMKilled)',
      },
    ]);
    expect(f.applied).toEqual([]);
  });
});
