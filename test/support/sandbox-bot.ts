/**
 * The demo sandbox and a real bot configured by the sandbox's own deckhand.yaml, in one test
 * process: commands go through the full stack exactly as `deckhand exec` sends them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import { silentAdapter, execOnce } from '../../src/adapters/console/exec.ts';
import { buildBot, loadConfig } from '../../src/app.ts';
import type { Bot, BotOptions } from '../../src/core/compose.ts';
import type { Message } from '../../src/core/message/model.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';

export interface SandboxBot {
  run: SandboxRun;
  bot: Bot;
  dir: string;
  exec(line: string, as?: string): Promise<{ ok: boolean; messages: Message[] }>;
  press(actionId: string, as: string): Promise<{ ok: boolean; messages: Message[] }>;
  /** Everything the console chat printed, follow-ups posted later included. */
  output(): string;
  stop(): Promise<void>;
}

/** A bot configured by the sandbox's deckhand.yaml (adjusted by `mutate`), started, with a silent console. */
export async function botFor(
  run: SandboxRun,
  mutate?: (cfg: Record<string, any>) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
  print?: (text: string) => void,
  extra: Partial<BotOptions> = {},
): Promise<{ bot: Bot; adapter: ConsoleAdapter }> {
  const loaded = loadConfig(run.configFile);
  const config = structuredClone(loaded.config);
  config.log.level = 'silent';
  mutate?.(config as unknown as Record<string, unknown>);
  const adapter = print ? new ConsoleAdapter({ write: print }, { numberButtons: false }) : silentAdapter();
  const bot = await buildBot(
    { ...loaded, config },
    { extraAdapters: [adapter], http: false, background: false, serve: true, ...extra },
  );
  await bot.start();
  return { bot, adapter };
}

/**
 * For a bot that takes Alertmanager's webhook (a `botFor` mutation): HTTP on a free loopback port,
 * the webhook's bearer token, and incidents that no route claims opened in `channel`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function takesAlerts(cfg: Record<string, any>, token: string, channel = 'console:ops'): void {
  cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
  cfg.plugins.incidents = { ...cfg.plugins.incidents, webhookToken: token, defaultChannel: channel };
}

/** One command through a bot's console adapter, as `deckhand exec --json` sends it. */
export const execOn = (
  bot: Bot,
  adapter: ConsoleAdapter,
  line: string,
  as = 'console',
  channel = 'console',
): Promise<{ ok: boolean; messages: Message[] }> =>
  execOnce(bot, adapter, { line, as, channel, json: true, out: { write: () => {} } });

export async function startSandboxBot(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  opts: { scenario?: string; overrides?: (cfg: Record<string, any>) => void } = {},
): Promise<SandboxBot> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-e2e-'));
  const run = await runSandbox({
    scenario: opts.scenario,
    dataDir: dir,
    timeScale: 0.001,
    syncDelayMs: 5,
    plugins: bundledPlugins.map((p) => p.id),
  });
  const printed: string[] = [];
  const { bot, adapter } = await botFor(run, opts.overrides, (t) => printed.push(t));
  const send = (line: string | undefined, press: string | undefined, as: string) =>
    execOnce(bot, adapter, { line, press, as, channel: 'console', json: true, out: { write: () => {} } });
  return {
    run,
    bot,
    dir,
    output: () => printed.join(''),
    exec: (line, as = 'console') => send(line, undefined, as),
    press: (id, as) => send(undefined, id, as),
    async stop() {
      await bot.stop(5_000);
      await run.sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The structured data of the last message of a reply. */
// Test assertions walk free-form data.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const dataOf = (r: { messages: Message[] }): Record<string, any> =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (r.messages.at(-1)?.data ?? {}) as Record<string, any>;

/** Every line of text a reply shows, for "does it say X" checks. */
export const textOf = (r: { messages: Message[] }): string =>
  r.messages
    .flatMap((m) => [
      m.header ?? '',
      m.text,
      ...(m.blocks ?? []).flatMap((b) =>
        b.type === 'text'
          ? [b.text]
          : b.type === 'fields'
            ? b.fields.map((f) => `${f.label}: ${f.value}`)
            : b.type === 'code'
              ? [b.code]
              : b.type === 'table'
                ? b.table.rows.map((r) => r.join(' '))
                : b.type === 'context'
                  ? b.items
                  : [],
      ),
    ])
    .join('\n');
