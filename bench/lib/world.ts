/**
 * A sandbox in a child process (so the bench process holds only the bot and its RSS is the bot's),
 * and a bot in this process configured for it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execOnce, silentAdapter } from '../../src/adapters/console/exec.ts';
import { bundledAdapters } from '../../src/adapters/index.ts';
import { loadConfig, VERSION } from '../../src/app.ts';
import { createBot } from '../../src/core/compose.ts';
import { definePlugin, type AnyPlugin } from '../../src/core/plugin.ts';
import { ArgoToken, type ArgoService } from '../../src/plugins/argocd/index.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import type { Bot } from '../../src/core/compose.ts';
import type { SandboxInfo } from '../../src/sandbox/index.ts';
import { tuneHeap } from '../../src/heap.ts';

// The bench process holds the bot: tune its heap as bin/deckhand.js does.
tuneHeap();

export interface ChildSandbox {
  info: SandboxInfo;
  configFile: string;
  stop(): Promise<void>;
}

/** A synthetic world of `instances` × `perInstance` apps, generated and served by child processes. */
export async function childSandbox(size: { instances: number; perInstance: number }): Promise<ChildSandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-bench-'));
  const scenario = join(dir, 'scenario.json');
  const generator = new URL('./synthetic.ts', import.meta.url).pathname;
  execFileSync(process.execPath, [generator, scenario, String(size.instances), String(size.perInstance)]);
  const bin = new URL('../../bin/deckhand.js', import.meta.url).pathname;
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'sandbox', '--scenario', scenario, '--data-dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const infoFile = join(dir, 'sandbox.json');
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
    child.stdout?.on('data', () => {
      if (existsSync(infoFile)) resolve();
    });
  });
  return {
    info: JSON.parse(readFileSync(infoFile, 'utf8')) as SandboxInfo,
    configFile: join(dir, 'deckhand.yaml'),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BenchBot {
  bot: Bot;
  run(line: string): Promise<{ ok: boolean }>;
  stop(): Promise<void>;
}

/** A bot for the sandbox; `cache: false` makes every read a direct Argo CD call. */
export async function benchBot(configFile: string, opts: { cache: boolean }): Promise<BenchBot> {
  const loaded = loadConfig(configFile);
  const config = structuredClone(loaded.config);
  config.log.level = 'silent';
  const plugins = config.plugins as { argocd: { cache: { enabled: boolean } } };
  plugins.argocd.cache.enabled = opts.cache;
  const adapter = silentAdapter();
  // A probe plugin hands the bench the Argo CD service, to wait until every cache is warm.
  let argo: ArgoService | undefined;
  const probe = definePlugin({
    id: 'bench-probe',
    summary: 'lets the benchmark see the Argo CD caches',
    deps: { argo: ArgoToken },
    init: ({ deps }) => void (argo = deps.argo),
  });
  const bot = await createBot({
    config,
    configPath: loaded.file,
    plugins: [...bundledPlugins, probe as AnyPlugin],
    adapters: bundledAdapters,
    version: VERSION,
    extraAdapters: [adapter],
    http: false,
    background: false,
  });
  await bot.start();
  for (let i = 0; i < 1_200 && opts.cache; i++) {
    if (argo && argo.names.every((n) => argo?.cache(n)?.warm)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    bot,
    run: (line) =>
      execOnce(bot, adapter, { line, as: 'console', channel: 'bench', json: true, out: { write: () => {} } }),
    stop: () => bot.stop(2_000),
  };
}
