/**
 * `deckhand sandbox`: start the sandbox world, write its files, print where everything is, and
 * run until SIGINT/SIGTERM. Also what `npm start` uses when there is no configuration.
 */
import { fileURLToPath } from 'node:url';
import { writeSandboxFiles } from './bot-config.ts';
import { startSandbox, type Sandbox } from './index.ts';
import { loadScenario } from './scenario.ts';

export const DEMO_SCENARIO = fileURLToPath(new URL('../../config/scenarios/demo.yaml', import.meta.url));

export interface SandboxRun {
  sandbox: Sandbox;
  configFile: string;
  infoFile: string;
}

export async function runSandbox(opts: {
  scenario?: string;
  dataDir: string;
  port?: number;
  timeScale?: number;
  syncDelayMs?: number;
  /** The plugins of this build: the written config holds sections for these only. */
  plugins?: string[];
}): Promise<SandboxRun> {
  const scenario = loadScenario(opts.scenario ?? DEMO_SCENARIO);
  const sandbox = await startSandbox({
    scenario,
    dataDir: opts.dataDir,
    port: opts.port,
    timeScale: opts.timeScale,
    syncDelayMs: opts.syncDelayMs,
  });
  const files = writeSandboxFiles(sandbox.info, opts.dataDir, opts.plugins);
  return { sandbox, configFile: files.config, infoFile: files.info };
}

export function describeSandbox(run: SandboxRun): string {
  const { info } = run.sandbox;
  const lines = [
    `sandbox "${info.scenario}" is running`,
    ...info.argocd.map((a) => `  Argo CD ${a.name.padEnd(12)} ${a.url}`),
    ...info.clusters.map((c) => `  Kubernetes ${c.name.padEnd(9)} ${c.url}  (as ${c.server})`),
    `  GitHub API         ${info.git.url}  (${info.git.repos.length} repositories)`,
    `  control            ${info.control.url}`,
    '',
    `bot config:   ${run.configFile}`,
    `credentials:  ${run.infoFile}`,
    '',
    `try: npx deckhand exec --config ${run.configFile} "/argo list"`,
  ];
  return lines.join('\n') + '\n';
}
