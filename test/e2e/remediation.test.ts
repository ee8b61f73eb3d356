/**
 * Issue 9 end to end against the demo sandbox: an OOMKilled alert for naver-news (limit 512Mi)
 * meets the rule `OOMKilled → resources memory ×1.5 max 2Gi, auto`; the bot opens and merges the
 * pull request raising the limit to 768Mi, the reconciler rolls the pod, and the incident thread
 * hears it is Healthy. Two alerts at once lead to one change; the kill switch holds and releases;
 * a repeated OOM meets the cooldown; at 2Gi the rule stops and asks a person; bad rules fail the
 * config check with their paths.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import { execOnce } from '../../src/adapters/console/exec.ts';
import { loadConfig } from '../../src/app.ts';
import type { Bot } from '../../src/core/compose.ts';
import { ConfigError } from '../../src/core/config/load.ts';
import type { Conversation, Message, MessageRef } from '../../src/core/message/model.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { RemediationConfigSchema } from '../../src/plugins/remediation/index.ts';
import { DEMO_SCENARIO, runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { oomAlertGroup, postAlertGroup } from '../support/alerts.ts';
import { botFor, textOf, takesAlerts } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';
import { eventually } from '../support/wait.ts';
import { tempDir } from '../support/temp.ts';
import { pushFiles } from '../support/git-push.ts';

const REPO = 'https://github.com/sijunkim/infra';
const TOKEN = 'alertmanager-test-token-0123456789';

const dir = tempDir('deckhand-remediation-');
let run: SandboxRun;
let bot: Bot;
let adapter: ConsoleAdapter;
let url: string;
/** The bot's clock: real time, moved forward by hand to pass a cooldown. */
let offsetMs = 0;
/** Everything the bot posted on its own (incident threads, follow-ups), with where. */
const posts: { to: Conversation; m: Message; ref: MessageRef }[] = [];

const exec = (line: string, as = 'console') =>
  execOnce(bot, adapter, { line, as, channel: 'ops', json: true, out: { write: () => {} } });
const master = () => run.sandbox.repos.get(REPO)!.git.resolve('master') as Promise<string>;

let alerts = 0;
/** Fire an Alertmanager notification for an app; each call is a new alert group (a new thread). */
async function fire(app: string, namespace = app): Promise<string> {
  const { status, key } = await postAlertGroup(url, TOKEN, oomAlertGroup(app, ++alerts, namespace));
  expect(status).toBe(202);
  return key;
}

/** What was posted in an incident's thread. */
function thread(incident: string): Message[] {
  const root = posts.find((p) => (p.m.data?.incident as { key?: string } | undefined)?.key === incident);
  if (!root) throw new Error(`no thread for incident ${incident}`);
  const id = root.ref.thread ?? root.ref.id;
  return posts
    .filter((p) => p !== root && p.to.channel === root.to.channel && p.to.thread === id)
    .map((p) => p.m);
}

type Remediation = { outcome: string; guardrail?: string; pr?: { number: number }; reason?: string };
const remediationIn = (msgs: Message[]) =>
  msgs.map((m) => m.data?.remediation as Remediation | undefined).filter((r): r is Remediation => !!r);

/** A person pushes a new memory limit for an app straight to master; the sandbox syncs it. */
async function personSets(app: string, memory: string): Promise<void> {
  await pushFiles(run, {
    repo: REPO,
    message: `${app}: memory limit ${memory}`,
    author: { name: 'Dana', email: 'dana@example.com' },
    files: {
      [`k8s/apps/${app}/deployment.yaml`]: (before = '') => {
        const after = before.replace(/(limits:\n\s+memory: )\S+/, `$1${memory}`);
        expect(after).not.toBe(before);
        return after;
      },
    },
  });
}

/** Until the app's diagnosis names OOMKilled at this limit (the new pods started and were killed). */
const untilOom = (app: string, limit: string) =>
  eventually(
    `${app} to be OOMKilled at ${limit}`,
    async () => {
      const d = (await exec(`/diagnose ${app}`)).messages.at(-1)?.data?.diagnosis as
        { rootCause?: { category: string; summary: string } } | undefined;
      if (d?.rootCause?.category === 'OOMKilled' && d.rootCause.summary.includes(limit)) return true;
      throw new Error(`its root cause is ${JSON.stringify(d?.rootCause)}`);
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );

beforeAll(async () => {
  // The demo world (as the scenario its story makes), plus one fact: friend-app really needs 3Gi,
  // so even 2Gi is OOMKilled.
  const demo = loadScenario(DEMO_SCENARIO);
  expect(demo.simulation?.workloads['friend-app/friend-app']?.memory).toBe('110Mi');
  (demo.simulation?.workloads['friend-app/friend-app'] as { memory: string }).memory = '3Gi';
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(scenario, stringify(demo));
  run = await runSandbox({
    scenario,
    dataDir: join(dir, 'sandbox'),
    timeScale: 0.001,
    syncDelayMs: 5,
    plugins: bundledPlugins.map((p) => p.id),
  });
  ({ bot, adapter } = await botFor(
    run,
    (cfg) => {
      takesAlerts(cfg, TOKEN);
      cfg.plugins.gitops.followUp = { ...cfg.plugins.gitops.followUp, timeoutSeconds: 8, settleSeconds: 0.2 };
      cfg.plugins.remediation = RemediationConfigSchema.parse({
        rules: [
          {
            name: 'oom',
            match: { categories: ['OOMKilled'] },
            action: { kind: 'resources', resource: 'memory', factor: 1.5, max: '2Gi' },
            mode: 'auto',
          },
        ],
      });
    },
    undefined,
    { http: true, overrides: { clock: { now: () => Date.now() + offsetMs } } },
  ));
  const post = bot.chat.post.bind(bot.chat);
  bot.chat.post = async (to, m) => {
    const ref = await post(to, m);
    posts.push({ to: typeof to === 'string' ? { platform: 'console', channel: to } : to, m, ref });
    return ref;
  };
  url = `http://127.0.0.1:${bot.port}`;
}, 60_000);

afterAll(async () => {
  await bot?.stop(2_000);
  await run?.sandbox.stop();
});

describe('auto remediation of an OOM kill', () => {
  // One story, in order: the first change starts the cooldown that resume waits out, and the
  // change resume releases starts the cooldown that the repeated OOM meets.
  it('naver-news: one change for two alerts, paused and resumed, then the cooldown', async () => {
    await step(
      'two alerts at once: one pull request raising 512Mi to 768Mi, merged; the pod rolls; Healthy in the thread',
      async () => {
        const repo = run.sandbox.repos.get(REPO)!;
        const base = await master();
        const [a, b] = await Promise.all([fire('naver-news'), fire('naver-news')]);
        await bot.tasks.idle(30_000);

        // One change: the change commit and its merge, nothing else.
        const head = await master();
        expect(await repo.git.log(`${base}..${head}`)).toHaveLength(2);
        const files = await repo.git.diff(base, head);
        const changed = files.flatMap((f) => f.patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l)));
        expect(changed).toEqual([
          expect.stringMatching(/^-\s*memory: 512Mi/),
          expect.stringMatching(/^\+\s*memory: 768Mi/),
        ]);

        const outcomes = [...remediationIn(thread(a)), ...remediationIn(thread(b))];
        expect(outcomes.map((o) => o.outcome).sort()).toEqual(['held', 'merged']);
        const held = outcomes.find((o) => o.outcome === 'held')!;
        expect(['in-progress', 'not-healthy']).toContain(held.guardrail);
        const winner = remediationIn(thread(a)).some((o) => o.outcome === 'merged') ? a : b;
        const followUp = thread(winner).find((m) => m.data?.followUp)?.data?.followUp as {
          outcome: string;
          revision: string;
        };
        expect(followUp).toMatchObject({ outcome: 'healthy', revision: head });
        expect(textOf({ messages: thread(winner) })).toMatch(/naver-news synced to [0-9a-f]{7}, Healthy/);

        // The reconciler rolled the Deployment: Argo CD is at the merge, the pod runs with 768Mi.
        const status = (await exec('/argo status naver-news --refresh')).messages.at(-1)!.data!.app as {
          revision: string;
          health: string;
        };
        expect(status).toMatchObject({ revision: head, health: 'Healthy' });
        const pods = run.sandbox.world.cluster('in-cluster')!.list('v1', 'Pod', 'naver-news') as unknown as {
          spec: { containers: { resources: { limits: { memory: string } } }[] };
        }[];
        expect(pods.map((p) => p.spec.containers[0]!.resources.limits.memory)).toEqual(['768Mi']);

        // Audited with the rule that decided.
        const audit = await bot.store.audit.query({ kind: 'remediation', app: 'naver-news' });
        expect(audit.find((e) => e.name === 'merged')?.detail).toMatchObject({ rule: 'oom', mode: 'auto' });
        const merges = await bot.store.audit.query({ kind: 'merge', app: 'naver-news' });
        expect(merges[0]?.detail).toMatchObject({ rule: 'oom', automatic: true });

        // Beyond chat (the sandbox's own routes): the automatic merge reaches its webhook receiver
        // in the story of the incident it answers, signed, and the change's merge and live too.
        const hook = await eventually('the remediation at the receiver', () =>
          run.sandbox.hooks.received.find((h) => h.event === 'remediation'),
        );
        expect(hook).toMatchObject({
          verified: true,
          body: {
            app: 'naver-news',
            subject: `incident/${winner}`,
            data: { remediation: { rule: 'oom', outcome: 'merged' } },
          },
        });
        await eventually('the change live at the receiver', () =>
          run.sandbox.hooks.received.find((h) => h.event === 'change.live'),
        );
      },
    );

    await step('pause holds the automatic change; resume releases it; both are audited', async () => {
      expect((await exec('/remediation pause', 'alice')).ok).toBe(false);
      expect((await exec('/remediation pause')).ok).toBe(true);
      // Someone cuts the limit again; the pod is OOMKilled at 512Mi.
      await personSets('naver-news', '512Mi');
      await untilOom('naver-news', '512Mi');
      const before = await master();
      const incident = await fire('naver-news');
      await bot.tasks.idle(15_000);
      const held = remediationIn(thread(incident));
      expect(held).toEqual([expect.objectContaining({ outcome: 'held', guardrail: 'paused' })]);
      expect(textOf({ messages: thread(incident) })).toMatch(/paused \(kill switch, by console\)/);
      expect(thread(incident).at(-1)!.buttons?.[0]?.label).toMatch(/^Open PR: memory limit 768Mi/);
      expect(await master()).toBe(before);

      const status = await exec('/remediation status');
      expect(status.ok).toBe(true);
      expect(status.messages.at(-1)!.data!.remediation).toMatchObject({
        paused: { by: 'console' },
        held: ['naver-news'],
        rules: [expect.objectContaining({ name: 'oom', mode: 'auto' })],
        apps: [expect.objectContaining({ app: 'naver-news', changes: 1 })],
      });

      // Past the rule's cooldown, resume lets the held change go.
      offsetMs += 31 * 60_000;
      const resumed = await exec('/remediation resume');
      expect(textOf(resumed)).toMatch(/resumed\. Looking again at what it held back: naver-news/);
      await bot.tasks.idle(30_000);
      const outcomes = remediationIn(thread(incident)).map((o) => o.outcome);
      expect(outcomes).toEqual(['held', 'merged']);
      expect(await master()).not.toBe(before);
      expect(textOf({ messages: thread(incident) })).toMatch(/naver-news synced to [0-9a-f]{7}, Healthy/);

      const audit = await bot.store.audit.query({ kind: 'remediation' });
      expect(
        audit.filter((e) => e.name === 'paused' || e.name === 'resumed').map((e) => [e.name, e.actor]),
      ).toEqual(
        expect.arrayContaining([
          ['paused', 'console'],
          ['resumed', 'console'],
        ]),
      );
    });

    await step(
      'a repeated OOM hits the cooldown; the thread says so and offers the manual path',
      async () => {
        await personSets('naver-news', '512Mi');
        await untilOom('naver-news', '512Mi');
        const before = await master();
        const incident = await fire('naver-news');
        await bot.tasks.idle(15_000);
        expect(remediationIn(thread(incident))).toEqual([
          expect.objectContaining({ outcome: 'held', guardrail: 'cooldown' }),
        ]);
        expect(textOf({ messages: thread(incident) })).toMatch(
          /cooldown: the last resources change to naver-news was \d+m ago/,
        );
        expect(await master()).toBe(before);

        const button = thread(incident).at(-1)!.buttons?.[0];
        expect(button?.label).toBe('Open PR: memory limit 768Mi');
      },
    );
  }, 120_000);

  it('at 2Gi the rule stops and asks a person', { timeout: 40_000 }, async () => {
    // friend-app needs 3Gi; a person sets 2Gi, the rule's maximum.
    await personSets('friend-app', '2Gi');
    await untilOom('friend-app', '2Gi');
    const before = await master();
    const incident = await fire('friend-app');
    await bot.tasks.idle(15_000);
    expect(remediationIn(thread(incident))).toEqual([expect.objectContaining({ outcome: 'stopped' })]);
    expect(textOf({ messages: thread(incident) })).toMatch(
      /Rule `oom` stops here: the memory limit of container friend-app is already 2Gi, the rule's maximum is 2Gi\. \*\*A person has to decide\*\*/,
    );
    expect(await master()).toBe(before);
  });
});

describe('deckhand config check', () => {
  it('rejects a disallowed action, a malformed quantity and min > max, naming each path', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      [
        'plugins:',
        '  remediation:',
        '    rules:',
        '      - name: nuke',
        '        match: {categories: [OOMKilled]}',
        '        action: {kind: delete-pod}',
        '      - name: oom',
        '        match: {categories: [OOMKilled]}',
        '        action: {kind: resources, factor: 1.5, max: two-gigs}',
        '      - name: scale',
        '        match: {categories: [AutoscalerLimited]}',
        '        action: {kind: replicas, min: 5, max: 2}',
        '',
      ].join('\n'),
    );
    let err: unknown;
    try {
      loadConfig(file, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.map((p) => `${p.path.join('.')}: ${p.message}`);
    expect(problems).toEqual([
      'plugins.remediation.rules.0.action.kind: action.kind must be one of resources, replicas, restart, image-revert',
      'plugins.remediation.rules.1.action.max: not a memory quantity',
      'plugins.remediation.rules.2.action.min: min must not exceed max',
    ]);
    expect((err as ConfigError).message).toMatch(/plugins\.remediation\.rules\.0\.action\.kind \(line 6\)/);
  });
});
