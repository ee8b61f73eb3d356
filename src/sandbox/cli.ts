/**
 * `deckhand sandbox`: start the sandbox world, write its files, print where everything is, and
 * run until SIGINT/SIGTERM. Also what `npm start` uses when there is no configuration.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { plural } from '../core/text/plural.ts';
import { writeSandboxFiles } from './bot-config.ts';
import { startSandbox, type Sandbox } from './index.ts';

export { SECOND_WORLD_HINT } from './index.ts';
import { loadScenario } from './scenario.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../config/scenarios/demo.yaml', import.meta.url));

export interface SandboxRun {
  sandbox: Sandbox;
  configFile: string;
  infoFile: string;
  /** With the story: an Alertmanager notification (naver-news OOMKilled) to post to the webhook. */
  alertFile?: string;
}

export async function runSandbox(opts: {
  scenario?: string;
  dataDir: string;
  port?: number;
  timeScale?: number;
  syncDelayMs?: number;
  /** The plugins of this build: the written config holds sections for these only. */
  plugins?: string[];
  /** The bot's HTTP port in the written config (8080 when absent). */
  botPort?: number;
  /** Configure the bot for the demo's story (see bot-config.ts) and write the alert to try. */
  story?: boolean;
}): Promise<SandboxRun> {
  const scenario = loadScenario(opts.scenario ?? DEMO_SCENARIO);
  const sandbox = await startSandbox({
    scenario,
    dataDir: opts.dataDir,
    port: opts.port,
    timeScale: opts.timeScale,
    syncDelayMs: opts.syncDelayMs,
  });
  // The directory is ours now (startSandbox locked it). A new world gets a new bot store: pull
  // requests, approvals and incidents of the last world would name things that no longer exist.
  const bot = join(resolve(opts.dataDir), 'bot');
  for (const f of ['deckhand.db', 'deckhand.db-wal', 'deckhand.db-shm', 'charts'])
    rmSync(join(bot, f), { recursive: true, force: true });
  const files = writeSandboxFiles(sandbox.info, opts.dataDir, {
    plugins: opts.plugins,
    port: opts.botPort,
    story: opts.story,
    timeScale: opts.timeScale,
  });
  let alertFile: string | undefined;
  if (opts.story) {
    alertFile = join(resolve(opts.dataDir), 'alert-naver-news.json');
    writeFileSync(alertFile, JSON.stringify(oomAlert('naver-news', new Date()), null, 2) + '\n');
  }
  return { sandbox, configFile: files.config, infoFile: files.info, alertFile };
}

export function describeSandbox(run: SandboxRun): string {
  const { info } = run.sandbox;
  const lines = [
    `sandbox "${info.scenario}" is running`,
    ...info.argocd.map((a) => `  Argo CD ${a.name.padEnd(12)} ${a.url}`),
    ...info.clusters.map((c) => `  Kubernetes ${c.name.padEnd(9)} ${c.url}  (as ${c.server})`),
    `  GitHub API         ${info.git.url}  (${plural(info.git.repos.length, 'repository', 'repositories')})`,
    ...info.registries.map((r) => `  registry ${r.host.padEnd(10)}${r.url}`),
    `  SMTP relay         smtp://${info.mail.host}:${info.mail.port}  (what arrived: GET /mail on control)`,
    `  webhook receiver   ${info.hooks.url}  (what arrived: GET /received on control)`,
    `  control            ${info.control.url}`,
    '',
    `bot config:   ${run.configFile}`,
    `credentials:  ${run.infoFile}`,
    '',
    `try: npx deckhand exec --config ${run.configFile} "/argo list"`,
  ];
  return lines.join('\n') + '\n';
}

/**
 * A notification as Alertmanager sends it to a webhook receiver (version 4, one firing alert):
 * https://prometheus.io/docs/alerting/latest/configuration/#webhook_config. kube-prometheus's
 * KubePodOOMKilled-style labels, plus `argocd_app` so the bot finds the app.
 */
function oomAlert(app: string, at: Date) {
  const labels = {
    alertname: 'KubePodOOMKilled',
    namespace: app,
    container: app,
    severity: 'critical',
    argocd_app: app,
  };
  return {
    version: '4',
    groupKey: `{}/{severity="critical"}:{alertname="KubePodOOMKilled", namespace="${app}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'deckhand',
    groupLabels: { alertname: 'KubePodOOMKilled', namespace: app },
    commonLabels: labels,
    commonAnnotations: { summary: `Container ${app} in ${app} was OOMKilled.` },
    externalURL: 'http://alertmanager.monitoring:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `Container ${app} in ${app} was OOMKilled.` },
        startsAt: at.toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.monitoring:9090/graph',
        fingerprint: '5e2c0b7d9a41f368',
      },
    ],
  };
}
