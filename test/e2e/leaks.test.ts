/**
 * The leak test (issue 17). A canary of every secret class (test/support/canaries.ts) is seeded
 * into the configuration (every secret key), the world (container logs, an event, a pod's env, a
 * ConfigMap live and in Git, a Secret live and in Git), command arguments and reasons, and an
 * Alertmanager payload. Then deckhand runs every command, presses approve, takes an alert through
 * an incident, a diagnosis with the LLM and a remediation, posts a digest, and serves Slack and
 * Discord. Every byte that left is scanned for every canary: what the console, the Slack and
 * Discord fakes and the LLM fake received, every Git object and pull request text the bot wrote,
 * the log file, the store on disk and /metrics. Zero hits.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import { isActionButton } from '../../src/core/message/model.ts';
import { collectSecrets } from '../../src/core/redact.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { RemediationConfigSchema } from '../../src/plugins/remediation/index.ts';
import { DEMO_SCENARIO, runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { oomAlertGroup, postAlertGroup } from '../support/alerts.ts';
import { CANARY, leakyLogLines, scan } from '../support/canaries.ts';
import { FakeDiscord } from '../support/fake-discord.ts';
import { FakeOpenAI } from '../support/fake-openai.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { botFor } from '../support/sandbox-bot.ts';
import { tempDir } from '../support/temp.ts';

const REPO = 'https://github.com/sijunkim/infra';
const POD = 'naver-news-nx7j58hqht-n9fb4';
const SIGNING = 'LeakSlackSigningSecret0123';
const WEBHOOK = 'LeakAlertmanagerWebhookToken0123';
const DISCORD_BOT = 'LeakDiscordBotConfigToken0123456789';
const APP_ID = '123456789012345678';
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const publicHex = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32).toString('hex');

const dir = tempDir('deckhand-leaks-');
let run: SandboxRun;
let bot: Bot;
let adapter: ConsoleAdapter;
let url: string;
let cfg: Record<string, any>;
const slack = new FakeSlack();
const discord = new FakeDiscord();
const llm = new FakeOpenAI('LeakOpenAiApiKey0123456789');
const printed: string[] = [];
const replies: unknown[] = [];
let objectsBefore: Set<string>;

/** The demo world (its story told as the scenario it makes) with canaries where apps and clusters really put secrets. */
function leakyWorld(): string {
  const doc = loadScenario(DEMO_SCENARIO) as Record<string, any>;
  const cluster = doc.clusters[0];
  for (const key of [`naver-news/${POD}/naver-news`, `naver-news/${POD}/naver-news#previous`])
    cluster.logs[key] = `${leakyLogLines().join('\n')}\n${cluster.logs[key] ?? ''}`;
  const find = (kind: string, name: string) =>
    cluster.objects.find(
      (o: { kind: string; metadata: { name: string } }) => o.kind === kind && o.metadata.name === name,
    );
  const pod = find('Pod', POD);
  pod.spec.containers[0].env = [
    ...(pod.spec.containers[0].env ?? []),
    { name: 'API_TOKEN', value: CANARY.envToken },
  ];
  cluster.objects.push({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${POD}.leak`,
      namespace: 'naver-news',
      uid: '5e1f0c1a-0000-4000-8000-00000000leak'.replace('leak', '0001'),
      creationTimestamp: '2026-08-24T09:58:00Z',
    },
    involvedObject: {
      apiVersion: 'v1',
      kind: 'Pod',
      name: POD,
      namespace: 'naver-news',
      uid: pod.metadata.uid,
    },
    reason: 'Unhealthy',
    message: `Readiness probe failed: HTTP probe rejected, token=${CANARY.eventToken}`,
    type: 'Warning',
    count: 3,
    firstTimestamp: '2026-08-24T09:50:00Z',
    lastTimestamp: '2026-08-24T09:58:00Z',
    source: { component: 'kubelet' },
  });
  find('ConfigMap', 'naver-news-config').data.DATABASE_URL =
    `postgres://news:${CANARY.configMapPassword}@db.news.svc:5432/news`;
  cluster.objects.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'naver-news-db', namespace: 'naver-news', uid: '5e1f0c1a-0000-4000-8000-000000000002' },
    type: 'Opaque',
    data: { password: Buffer.from(CANARY.secretValue).toString('base64') },
  });
  const files = doc.git[0].files as Record<string, string>;
  const cm = parse(files['k8s/apps/naver-news/configmap.yaml'] as string);
  cm.data.DATABASE_URL = `postgres://news:${CANARY.configMapGitPassword}@db.news.svc:5432/news`;
  files['k8s/apps/naver-news/configmap.yaml'] = stringify(cm);
  files['k8s/apps/naver-news/secret.yaml'] = stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'naver-news-db' },
    stringData: { password: CANARY.secretValue },
  });
  files['k8s/apps/naver-news/kustomization.yaml'] = (
    files['k8s/apps/naver-news/kustomization.yaml'] as string
  ).replace('  - service.yaml', '  - service.yaml\n  - secret.yaml');
  const file = join(dir, 'leaky.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

const gitDir = () => run.sandbox.repos.get(REPO)!.git.dir;
const objectIds = () =>
  new Set(
    execFileSync('git', [
      '--git-dir',
      gitDir(),
      'cat-file',
      '--batch-all-objects',
      '--batch-check=%(objectname)',
    ])
      .toString()
      .split('\n')
      .filter(Boolean),
  );

const exec = async (line: string, as = 'console') => {
  const r = await execOnce(bot, adapter, { line, as, channel: 'ops', json: true, out: { write: () => {} } });
  replies.push(r);
  return r;
};

const slackSigned = (body: string) => {
  const ts = Math.floor(Date.now() / 1000);
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': 'v0=' + createHmac('sha256', SIGNING).update(`v0:${ts}:${body}`).digest('hex'),
  };
};

const discordSigned = (body: string) => {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    'content-type': 'application/json',
    'x-signature-timestamp': ts,
    'x-signature-ed25519': sign(null, Buffer.from(ts + body), privateKey).toString('hex'),
  };
};

beforeAll(async () => {
  const [slackUrl, discordUrl, llmUrl] = await Promise.all([slack.start(), discord.start(), llm.start()]);
  run = await runSandbox({
    scenario: leakyWorld(),
    dataDir: join(dir, 'sandbox'),
    timeScale: 0.001,
    syncDelayMs: 5,
    plugins: bundledPlugins.map((p) => p.id),
  });
  objectsBefore = objectIds();
  ({ bot, adapter } = await botFor(
    run,
    (c) => {
      cfg = c;
      c.dataDir = join(dir, 'bot');
      c.log = { ...c.log, level: 'debug', format: 'json', file: join(dir, 'bot.log') };
      c.server = { ...c.server, host: '127.0.0.1', port: 0 };
      c.identities.alice = { ...c.identities.alice, slack: 'U0ALICE' };
      c.identities.bob = { ...c.identities.bob, discord: '81234567890123456' };
      // Sections set here skip the schema's defaults, so each says everything.
      c.adapters.slack = {
        enabled: true,
        path: '/slack/events',
        commands: {
          '/argo': 'argo',
          '/k8s': 'k8s',
          '/gitops': 'gitops',
          '/diagnose': 'diagnose',
          '/deckhand': '',
        },
        userGroups: false,
        progressText: 'collecting…',
        mode: 'http',
        botToken: 'xoxb-test-token',
        signingSecret: SIGNING,
        apiUrl: `${slackUrl}/api/`,
      };
      c.adapters.discord = {
        enabled: true,
        path: '/discord/interactions',
        registerCommands: true,
        groups: ['argo', 'k8s', 'gitops', 'diagnose', 'deckhand'],
        botToken: DISCORD_BOT,
        applicationId: APP_ID,
        mode: 'http',
        publicKey: publicHex,
        guildId: '1000000000000000001',
        apiUrl: discordUrl,
      };
      c.plugins.incidents = {
        ...c.plugins.incidents,
        webhookToken: WEBHOOK,
        defaultChannel: 'slack:C0INCIDENTS',
      };
      c.plugins.diagnosis = {
        llm: { baseUrl: llmUrl, apiKey: llm.apiKey, timeoutMs: 2_000, redact: { emails: true, ips: true } },
      };
      c.plugins.remediation = RemediationConfigSchema.parse({
        rules: [
          {
            name: 'oom',
            match: { categories: ['OOMKilled'] },
            action: { kind: 'resources', resource: 'memory', factor: 1.5, max: '2Gi' },
            mode: 'propose',
          },
        ],
      });
      c.plugins.digest = {
        ...c.plugins.digest,
        schedules: [{ id: 'daily', channel: 'discord:1200000000000000001', cron: '0 9 * * *' }],
      };
    },
    (t) => printed.push(t),
    { http: true },
  ));
  url = `http://127.0.0.1:${bot.port}`;
  llm.answer = () => ({ arguments: { explanation: 'The limit is too low for the crawl.', fix: 1 } });
}, 60_000);

afterAll(async () => {
  await bot?.stop(2_000);
  await run?.sandbox.stop();
  await Promise.all([slack.stop(), discord.stop(), llm.stop()]);
});

describe('nothing secret leaves the process', () => {
  it('every command, button, webhook, incident, remediation and digest, scanned: zero canaries', async () => {
    const argoToken = cfg.plugins.argocd.instances[0].token as string;

    // Slack: the story — a reason with a pasted token and a Bearer value.
    const slash = new URLSearchParams({
      team_id: 'T0TEAM',
      channel_id: 'C0OPS',
      user_id: 'U0ALICE',
      user_name: 'alice',
      command: '/gitops',
      text: `scale friend-app 3 --reason "pasted ${argoToken} and Bearer abcdefghijklmnop1234 and ${CANARY.reasonToken}"`,
      response_url: `${slack.url}/api/response`,
      trigger_id: '1.2.3',
      api_app_id: 'A0APP',
    }).toString();
    expect(
      (await fetch(`${url}/slack/events`, { method: 'POST', headers: slackSigned(slash), body: slash }))
        .status,
    ).toBe(200);

    // Discord: a slash command whose argument is a token.
    const interaction = JSON.stringify({
      id: '1100000000000000001',
      application_id: APP_ID,
      type: 2,
      data: {
        id: '1',
        name: 'diagnose',
        type: 1,
        options: [{ type: 3, name: 'app', value: CANARY.discordToken }],
      },
      guild_id: '1000000000000000001',
      channel_id: '1200000000000000001',
      channel: { id: '1200000000000000001', type: 0 },
      member: { user: { id: '81234567890123456', username: 'bob' }, roles: [] },
      token: 'tok-leak',
      version: 1,
    });
    expect(
      (
        await fetch(`${url}/discord/interactions`, {
          method: 'POST',
          headers: discordSigned(interaction),
          body: interaction,
        })
      ).status,
    ).toBe(200);

    // The console: every command, with tokens where a person might paste them.
    for (const line of [
      `/help ${argoToken.toUpperCase()}`,
      `/help ${CANARY.argToken}`,
      `/argo status ${CANARY.argToken}`,
      '/argo list',
      '/argo status naver-news',
      '/argo history naver-news',
      '/argo resources naver-news',
      '/argo diff naver-news',
      '/diagnose naver-news',
      '/k8s pods naver-news',
      '/k8s events naver-news',
      '/k8s logs naver-news',
      '/k8s logs naver-news --previous',
      '/gitops prs',
      '/whoami',
      '/version',
      '/plugins',
      '/schedules',
      '/incidents',
      '/remediation status',
      '/digest --channel daily',
    ])
      await exec(line);
    expect((await exec('/argo mute naver-news 1h', 'alice')).ok).toBe(true);
    await exec('/argo unmute naver-news', 'alice');

    // A change with a token in its reason, approved and merged.
    const proposed = await exec(
      `/gitops resources naver-news memory=768Mi --reason "token ${CANARY.reasonToken} and password=${CANARY.passwordPair}"`,
      'alice',
    );
    expect(proposed.ok).toBe(true);
    const approve = proposed.messages
      .flatMap((m) => m.buttons ?? [])
      .filter(isActionButton)
      .find((b) => /approve/i.test(b.label))?.actionId as string;
    expect(approve).toBeDefined();
    await execOnce(bot, adapter, {
      press: approve,
      as: 'bob',
      channel: 'ops',
      json: true,
      out: { write: () => {} },
    }).then((r) => replies.push(r));

    // An alert with secrets in its annotations: an incident, a diagnosis (with the LLM) and the
    // remediation rule proposing a change.
    const alert = oomAlertGroup('naver-news', 1);
    alert.commonAnnotations.summary = `login failed for postgres://news:${CANARY.alertPassword}@db and password=${CANARY.alertPassword}`;
    alert.alerts[0]!.annotations.summary = alert.commonAnnotations.summary;
    expect((await postAlertGroup(url, WEBHOOK, alert)).status).toBe(202);

    await bot.tasks.idle(30_000);
    await exec('/audit --since 1h --limit 200');
    await exec('/audit --kind llm');
    expect(llm.requests.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    await bot.stop(5_000);

    // Everything that left.
    const newObjects = [...objectIds()].filter((id) => !objectsBefore.has(id));
    expect(newObjects.length).toBeGreaterThan(0);
    const gitText = execFileSync('git', ['--git-dir', gitDir(), 'cat-file', '--batch'], {
      input: newObjects.join('\n') + '\n',
      maxBuffer: 64 * 1024 * 1024,
    }).toString('latin1');
    // Read as another account would (the bot itself signs in as the sandbox's GitHub App).
    const gh = {
      apiUrl: (cfg.plugins.gitops.hosts[0] as { apiUrl: string }).apiUrl,
      token: run.sandbox.info.git.token,
    };
    const api = (path: string) =>
      fetch(`${gh.apiUrl}${path}`, { headers: { authorization: `token ${gh.token}` } }).then((r) => r.text());
    const pulls = await api('/repos/sijunkim/infra/pulls?state=all&per_page=100');
    const numbers = (JSON.parse(pulls) as { number: number }[]).map((p) => p.number);
    expect(numbers.length).toBeGreaterThan(0);
    const comments = await Promise.all(numbers.map((n) => api(`/repos/sijunkim/infra/issues/${n}/comments`)));
    const botDir = join(dir, 'bot');
    const storeFiles = readdirSync(botDir)
      .filter((f) => f.startsWith('deckhand.db'))
      .map((f) => readFileSync(join(botDir, f)).toString('latin1'));
    const places: Record<string, string> = {
      console: printed.join(''),
      'command replies (exec --json)': JSON.stringify(replies),
      'Slack API calls': JSON.stringify(slack.calls.map((c) => ({ method: c.method, body: c.body }))),
      'Discord API calls': JSON.stringify(
        discord.calls.map((c) => ({ method: c.method, path: c.path, body: c.body })),
      ),
      'LLM requests': JSON.stringify(llm.requests),
      'Git objects the bot wrote': gitText,
      'pull requests': pulls + comments.join(''),
      'log file': existsSync(join(dir, 'bot.log')) ? readFileSync(join(dir, 'bot.log'), 'utf8') : '',
      store: storeFiles.join(''),
      '/metrics': metrics,
    };
    // The flows really ran: each place saw traffic.
    expect(slack.calls.some((c) => c.method === 'chat.postMessage')).toBe(true);
    expect(discord.calls.length).toBeGreaterThan(0);
    expect(places['log file']!.length).toBeGreaterThan(0);
    // The GitHub App's private key is read from its file: no line of its body may leave either.
    const appKey = readFileSync(run.sandbox.info.git.app.privateKeyFile, 'utf8')
      .split('\n')
      .filter((l) => l.length >= 32 && !l.startsWith('-----'));
    const canaries = [
      ...Object.values(CANARY),
      ...new Set(collectSecrets(cfg).filter((s) => s.length >= 6)),
      ...appKey,
    ];
    expect(canaries).toEqual(expect.arrayContaining([argoToken, SIGNING, WEBHOOK, DISCORD_BOT, llm.apiKey]));
    expect(scan(canaries, places)).toEqual([]);
  }, 120_000);
});
