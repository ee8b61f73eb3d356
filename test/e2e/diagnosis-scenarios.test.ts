/**
 * Issue 8's diagnosis suite. Every file of test/fixtures/diagnosis is a story (a scenario world said
 * as what happened, expanded at load time by src/sandbox/story/); for each,
 * the sandbox serves it and a real bot runs `/diagnose <app>` through the whole stack (Argo CD and
 * Kubernetes clients, the collector, the rules, the reply). The answer must name the expected
 * category first, on the expected resource, with the expected fix and the evidence a person would
 * look for; healthy apps must yield no finding; in mixed cases each symptom must come after its
 * cause. The worlds themselves are checked too: consistent with the health Argo CD would compute,
 * and written in the words of the failure-signals corpus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { categories, type Category } from '../../src/plugins/diagnosis/index.ts';
import type { FixIntent } from '../../src/plugins/diagnosis/engine/types.ts';
import { appHealth } from '../../src/sandbox/argo-api/apps.ts';
import { loadScenario, type Scenario } from '../../src/sandbox/scenario.ts';
import { dataOf, startSandboxBot } from '../support/sandbox-bot.ts';

interface Case {
  file: string;
  app: string;
  /** The category that must come first, on `on` (Kind/name); none: the app must yield no finding. */
  first?: Category;
  on?: string;
  /** The root cause's fix intent (none: it must offer none) and what its parameters must hold. */
  fix?: FixIntent;
  params?: Record<string, unknown>;
  /** Strings the root cause's evidence must quote. */
  evidence?: string[];
  /** Findings that must be there and ranked after the root cause, as its consequences. */
  after?: Category[];
  /**
   * Known defects (reported to the lead with the failing case): the named checks are expected to
   * fail until the defect is fixed; vitest then reports them as passing unexpectedly.
   */
  known?: Partial<Record<'first' | 'after' | 'complete', string>>;
}

const cases: Case[] = [
  // One category each.
  {
    file: 'oom-killed',
    app: 'naver-news',
    first: 'OOMKilled',
    on: 'Deployment/naver-news',
    fix: 'resources',
    params: { container: 'naver-news', limits: { memory: '2Gi' } },
    evidence: ['OOMKilled, exit code 137'],
  },
  { file: 'oom-killed', app: 'friend-app' },
  {
    file: 'crash-loop',
    app: 'flash-api-prod',
    first: 'CrashLoopBackOff',
    on: 'Deployment/flash-api',
    fix: 'image',
    params: { image: 'ghcr.io/sijunkim/flash-api:1.14.2' },
    evidence: ['exit code 1', "Failed to bind properties under 'flash.payment.toss.timeout'"],
    after: ['ProbeFailure'],
  },
  {
    file: 'image-pull',
    app: 'flash-gateway-prod',
    first: 'ImagePullError',
    on: 'Deployment/flash-gateway',
    fix: 'image',
    params: { image: 'ghcr.io/sijunkim/flash-gateway:2.3.1' },
    evidence: ['ghcr.io/sijunkim/flash-gateway:v2.4.0: not found'],
  },
  {
    file: 'config-error',
    app: 'flash-pay-worker-staging',
    first: 'ContainerConfigError',
    on: 'Deployment/flash-pay-worker',
    evidence: ["couldn't find key toss-secret-key in Secret flash-staging/flash-pay-secrets"],
  },
  {
    file: 'unschedulable',
    app: 'friend-app',
    first: 'Unschedulable',
    on: 'Deployment/friend-app',
    fix: 'resources',
    params: { requests: { memory: '256Mi' } },
    evidence: ['0/3 nodes are available: 3 Insufficient memory.'],
  },
  {
    file: 'probe-failure',
    app: 'flash-web-staging',
    first: 'ProbeFailure',
    on: 'Deployment/flash-web',
    fix: 'restart',
    evidence: ['Container flash-web failed liveness probe, will be restarted', 'Liveness probe failed'],
    after: ['CrashLoopBackOff'],
  },
  {
    file: 'progress-deadline',
    app: 'grafana',
    first: 'ProgressDeadlineExceeded',
    on: 'Deployment/grafana',
    fix: 'revert',
    evidence: ['has timed out progressing.'],
  },
  {
    file: 'quota-exceeded',
    app: 'flash-api-staging',
    first: 'QuotaExceeded',
    on: 'Deployment/flash-api',
    fix: 'replicas',
    params: { replicas: 3 },
    evidence: ['exceeded quota: compute-quota, requested: limits.memory=1Gi'],
    after: ['ProgressDeadlineExceeded'],
  },
  { file: 'quota-exceeded', app: 'flash-web-staging' },
  {
    file: 'sync-failed',
    app: 'flash-gateway-staging',
    first: 'SyncFailed',
    on: 'Application/flash-gateway-staging',
    fix: 'revert',
    evidence: ['field is immutable'],
    after: ['OutOfSync'],
  },
  {
    file: 'out-of-sync',
    app: 'flash-web-prod',
    first: 'OutOfSync',
    on: 'Application/flash-web-prod',
    evidence: ['Deployment flash-prod/flash-web: differs from Git'],
  },
  {
    file: 'volume-pending',
    app: 'mysql',
    first: 'VolumePending',
    on: 'PersistentVolumeClaim/data-mysql-0',
    evidence: ['storageclass.storage.k8s.io "fast-ssd" not found'],
    after: ['Unschedulable', 'ServiceNoEndpoints'],
  },
  {
    file: 'evicted',
    app: 'flash-pay-worker-prod',
    first: 'Evicted',
    on: 'Deployment/flash-pay-worker',
    fix: 'resources',
    params: { requests: { memory: '1536Mi' } },
    evidence: ['The node was low on resource: memory.'],
  },
  {
    file: 'init-container',
    app: 'flash-api-dev',
    first: 'InitContainerFailure',
    on: 'Deployment/flash-api',
    evidence: ['Communications link failure'],
    after: ['ServiceNoEndpoints'],
  },
  {
    file: 'job-failed',
    app: 'news-report',
    first: 'JobFailed',
    on: 'Job/news-report-29631420',
    evidence: ['Job has reached the specified backoff limit', 'exit code 1', "KeyError: 'REPORT_BUCKET'"],
  },
  {
    file: 'node-not-ready',
    app: 'flash-gateway-dev',
    first: 'NodeNotReady',
    on: 'Node/worker-3',
    evidence: ['Kubelet stopped posting node status.', 'Node is not ready'],
  },
  { file: 'node-not-ready', app: 'mysql' },
  {
    file: 'service-no-endpoints',
    app: 'flash-web-dev',
    first: 'ServiceNoEndpoints',
    on: 'Service/flash-web',
    evidence: ['selector: app.kubernetes.io/name=flash-web', 'pod labels: app=flash-web'],
  },
  {
    file: 'autoscaler-limited',
    app: 'flash-api-prod',
    first: 'AutoscalerLimited',
    on: 'HorizontalPodAutoscaler/flash-api',
    fix: 'replicas',
    params: { hpa: 'flash-api', maxReplicas: 8 },
    evidence: ['the desired replica count is more than the maximum replica count'],
  },
  // Healthy: old trouble that has passed, Normal events and scaled-down ReplicaSets are no finding.
  { file: 'healthy-web', app: 'friend-app' },
  { file: 'healthy-stateful', app: 'mysql' },
  { file: 'healthy-stateful', app: 'news-report' },
  // Mixed: the cause first, its symptoms after it.
  {
    file: 'mixed-oom-crashloop',
    app: 'naver-news',
    first: 'OOMKilled',
    on: 'Deployment/naver-news',
    fix: 'resources',
    params: { limits: { memory: '1Gi' } },
    evidence: ['OOMKilled, exit code 137'],
    after: ['CrashLoopBackOff', 'ProbeFailure', 'ProgressDeadlineExceeded', 'ServiceNoEndpoints'],
  },
  {
    file: 'mixed-bad-tag',
    app: 'flash-api-prod',
    first: 'ImagePullError',
    on: 'Deployment/flash-api',
    fix: 'image',
    params: { image: 'ghcr.io/sijunkim/flash-api:1.14.2' },
    evidence: ['ghcr.io/sijunkim/flash-api:v1.15.0: not found'],
    after: ['ProgressDeadlineExceeded'],
  },
  {
    file: 'mixed-dependency-endpoints',
    app: 'naver-news',
    first: 'ServiceNoEndpoints',
    on: 'Service/naver-news-redis',
    evidence: ['selector: app.kubernetes.io/name=redis'],
    after: ['ProbeFailure'],
  },
  {
    file: 'mixed-hook-job',
    app: 'naver-news',
    first: 'JobFailed',
    on: 'Job/naver-news-db-migrate',
    fix: 'revert',
    evidence: ['Job has reached the specified backoff limit', 'relation "news_tags" already exists'],
    after: ['SyncFailed', 'OutOfSync'],
  },
];

// ---------------------------------------------------------------------------------------------
// One sandbox per file, a few at a time; every app of the table diagnosed while its world runs.

interface Outcome {
  ok: boolean;
  data: Record<string, any>;
  scenario: Scenario;
  /** The app's health as the sandbox's Argo CD computes it from the objects. */
  assessed: string;
}

const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'diagnosis');
const fileOf = (name: string) => join(FIXTURE_DIR, `${name}.yaml`);
const outcomes = new Map<string, Outcome>();
const key = (c: Pick<Case, 'file' | 'app'>) => `${c.file}/${c.app}`;

async function diagnoseFile(file: string): Promise<void> {
  const s = await startSandboxBot({ scenario: fileOf(file) });
  try {
    const world = s.run.sandbox.world;
    for (const c of cases.filter((x) => x.file === file)) {
      const r = await s.exec(`/diagnose ${c.app}`);
      const instance = world.instances[0]!;
      const app = instance.get(c.app, 'argocd')!;
      outcomes.set(key(c), {
        ok: r.ok,
        data: dataOf(r),
        scenario: world.scenario,
        assessed: appHealth(world, instance, app as Parameters<typeof appHealth>[2]).status,
      });
    }
  } finally {
    await s.stop();
  }
}

beforeAll(async () => {
  const files = [...new Set(cases.map((c) => c.file))];
  // Two sandboxes and bots at a time: faster than one by one, gentle on a shared machine.
  for (let i = 0; i < files.length; i += 2) await Promise.all(files.slice(i, i + 2).map(diagnoseFile));
}, 180_000);

// ---------------------------------------------------------------------------------------------
// The answers

const known = (c: Case, check: keyof NonNullable<Case['known']>) => {
  const reason = c.known?.[check];
  return reason ? { test: it.fails, note: ` (known defect: ${reason})` } : { test: it, note: '' };
};

describe.each(cases)('/diagnose $app in $file', (c) => {
  const outcome = () => {
    const o = outcomes.get(key(c));
    if (!o) throw new Error(`${key(c)} was not diagnosed`);
    expect(o.ok).toBe(true);
    return { ...o, d: o.data.diagnosis as Record<string, any> };
  };

  if (!c.first) {
    it('finds nothing wrong', () => {
      const { d } = outcome();
      expect(d.app).toBe(c.app);
      expect(d.findings).toEqual([]);
      expect(d.rootCause).toBeUndefined();
    });
  } else {
    const first = known(c, 'first');
    first.test(`names ${c.first} first, on ${c.on}, with ${c.fix ?? 'no'} fix${first.note}`, () => {
      const { d, scenario } = outcome();
      expect(d.app).toBe(c.app);
      expect(d.findings[0]).toEqual(d.rootCause);
      const root = d.rootCause;
      expect(root?.category).toBe(c.first);
      expect(`${root.resource.kind}/${root.resource.name}`).toBe(c.on);
      expect(root.fix?.intent).toBe(c.fix);
      if (c.params) expect(root.fix.params).toMatchObject(c.params);
      if (c.fix === 'revert') {
        // The window a revert looks in ends at the revision the failure is at (Git's, for a sync
        // that fails; the deployed one, for a rollout). These worlds hold no repository, so the
        // Git host cannot name the commit, and the fix is withheld with its answer.
        const app = scenario.argocd[0]!.applications.find((a) => a.metadata.name === c.app)!;
        const st = app.status as any;
        const failing = st.operationState?.phase === 'Failed' ? st.sync.revision : st.history.at(-1).revision;
        expect(root.fix.params.upTo).toBe(failing);
        expect(outcome().data.fixWithheld).toMatch(/not found/);
      }
      const evidence = root.evidence.join('\n');
      for (const e of c.evidence ?? []) expect(evidence).toContain(e);
    });
  }

  if (c.after) {
    const after = known(c, 'after');
    after.test(`ranks ${c.after.join(', ')} after ${c.first}, as its consequences${after.note}`, () => {
      const { d } = outcome();
      const rootAt = d.findings.findIndex((f: any) => f.category === c.first);
      expect(rootAt).toBe(0);
      for (const category of c.after ?? []) {
        const at = d.findings.findIndex((f: any) => f.category === category);
        expect(at, `${category} among ${d.findings.map((f: any) => f.category).join(', ')}`).toBeGreaterThan(
          rootAt,
        );
        expect(d.findings[at].summary).toContain('a consequence of');
        // Fixing a symptom would hide its cause: only the root cause offers a fix.
        expect(d.findings[at].fix).toBeUndefined();
      }
    });
  }

  const complete = known(c, 'complete');
  complete.test(`reads everything it needs${complete.note}`, () => {
    const { d, data } = outcome();
    expect(data.collection.gaps).toEqual([]);
    expect(d.gaps).toBeUndefined();
    expect(data.collection.requests).toBeGreaterThan(10);
  });

  it('reports sync and health as Argo CD does, in a world whose health is what Argo CD computes', () => {
    const { d, scenario, assessed } = outcome();
    const app = scenario.argocd[0]!.applications.find((a) => a.metadata.name === c.app)!;
    const status = app.status as any;
    expect([d.sync, d.health]).toEqual([status.sync.status, status.health.status]);
    expect(assessed).toBe(status.health.status);
  });
});

// ---------------------------------------------------------------------------------------------
// The worlds

describe('the diagnosis fixtures', () => {
  const files = readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''));

  it('cover every category, healthy apps and mixed cases, and every file is in the table', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.file))).toEqual(new Set(files));
    const firsts = new Set(cases.map((c) => c.first).filter(Boolean));
    // Argo CD's own failures with Git history behind them are the stories of diagnosis-advice.test.ts.
    expect(categories.filter((cat) => !firsts.has(cat))).toEqual(['ComparisonError', 'SyncStuck']);
    expect(cases.filter((c) => !c.first && c.file.startsWith('healthy-')).length).toBeGreaterThanOrEqual(2);
    expect(cases.filter((c) => c.file.startsWith('mixed-') && c.after?.length).length).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('say everything in the words of the failure-signals corpus', () => {
    const corpus = corpusPatterns();
    const strange = files.flatMap((f) =>
      messagesOf(loadScenario(fileOf(f)))
        .filter(({ message }) => !corpus.some((re) => re.test(message.trim())))
        .map(({ where, message }) => `${f}: ${where}: ${message}`),
    );
    expect(strange).toEqual([]);
  });
});

/**
 * The corpus's message templates as patterns: %q a quoted string, %d a number, %s and %v any
 * text, `{…}` a described part; the explanation after three spaces and a parenthesis is dropped.
 * Templates that are nothing but a placeholder match anything and are left out. A ReplicaSet's
 * ReplicaFailure condition carries the error its FailedCreate event quotes after "Error creating: ".
 */
function corpusPatterns(): RegExp[] {
  const modes = JSON.parse(
    readFileSync(join(import.meta.dirname, '..', 'contracts', 'failure-signals.json'), 'utf8'),
  ) as { signals: { messageTemplate: string }[] }[];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = (t: string): string =>
    t
      .split(/(%[sdvq]|\{[^}]*\})/)
      .map((part) =>
        part === '%q'
          ? '"[^"]*"'
          : part === '%d'
            ? '-?\\d+'
            : part === '%s' || part === '%v'
              ? '.*?'
              : part.startsWith('{') && part.endsWith('}')
                ? part.includes('%')
                  ? `\\{${pattern(part.slice(1, -1))}\\}`
                  : '.*?'
                : escape(part),
      )
      .join('');
  const templates = modes.flatMap((m) =>
    m.signals.map((s) => (s.messageTemplate.split(/ {3}\(/)[0] ?? '').trim()),
  );
  const inner = templates.filter((t) => t.startsWith('Error creating: ')).map((t) => t.slice(16));
  return [...templates, ...inner]
    .filter((t) => t && !/^(\{[^}]*\}|%[sv])( \(.*\))?$/.test(t))
    .map((t) => new RegExp(`^${pattern(t)}$`, 's'));
}

/** Every human-readable status message of a scenario that a cluster or Argo CD would have written. */
function messagesOf(s: Scenario): { where: string; message: string }[] {
  const out: { where: string; message: string }[] = [];
  const add = (where: string, message: unknown) => {
    if (typeof message === 'string' && message) out.push({ where, message });
  };
  for (const app of s.argocd.flatMap((i) => i.applications)) {
    const st = app.status as any;
    const at = `Application ${app.metadata.name}`;
    add(`${at} operationState`, st?.operationState?.message);
    for (const r of st?.operationState?.syncResult?.resources ?? [])
      add(`${at} syncResult ${r.kind}/${r.name}`, r.message);
    for (const c of st?.conditions ?? []) add(`${at} condition ${c.type}`, c.message);
    add(`${at} health`, st?.health?.message);
  }
  for (const o of s.clusters.flatMap((c) => c.objects) as any[]) {
    const at = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
    if (o.kind === 'Event') add(at, o.message);
    add(`${at} status`, o.status?.message);
    for (const c of o.status?.conditions ?? []) {
      // A healthy node's own conditions ("kubelet is posting ready status") are not failure signals.
      const fine = o.kind === 'Node' && (c.type === 'Ready' ? c.status === 'True' : c.status === 'False');
      if (!fine) add(`${at} condition ${c.type}`, c.message);
    }
    for (const cs of [...(o.status?.initContainerStatuses ?? []), ...(o.status?.containerStatuses ?? [])])
      for (const [which, st] of [
        ['state', cs.state],
        ['lastState', cs.lastState],
      ] as const) {
        add(`${at} ${cs.name} ${which}.waiting`, st?.waiting?.message);
        add(`${at} ${cs.name} ${which}.terminated`, st?.terminated?.message);
      }
  }
  return out;
}
