/**
 * `deckhand start`: the bot, with the console chat when a person is at the terminal. Without a
 * configuration file it first starts the demo world — one per data directory, locked — set up for
 * the story the banner walks: alice proposes, bob approves, the merge and its rollout in the
 * card's thread, an incident from a ready-made `curl`, the automatic remediation it triggers, a
 * digest. Every line of that banner is run by test/e2e/demo-story.test.ts exactly as printed.
 */
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { ConsoleAdapter } from './adapters/console/adapter.ts';
import { runRepl } from './adapters/console/repl.ts';
import { buildBot, loadConfig, VERSION } from './app.ts';
import type { Bot } from './core/compose.ts';
import { DirLockedError, lockHolder } from './core/dir-lock.ts';
import { BootError } from './core/errors.ts';
import { plural } from './core/text/plural.ts';
import { bundledPlugins } from './plugins/index.ts';
import type { SandboxRun } from './sandbox/cli.ts';

export const DEMO_DATA_DIR = join('.deckhand', 'sandbox');

export interface StartOptions {
  /** A configuration file; none runs the demo world. */
  config?: string;
  /** The demo world's directory (default .deckhand/sandbox). */
  dataDir?: string;
  /** The bot's HTTP port (webhooks, /metrics); the configuration's otherwise, 8080 for the demo. */
  port?: number;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** Run the console chat even when input is not a terminal (a test drives it over a pipe). */
  console?: boolean;
  /** The demo world's pace (tests run it faster). */
  world?: { timeScale?: number; syncDelayMs?: number };
}

export interface Started {
  bot: Bot;
  world?: SandboxRun;
  /** What the banner printed (the demo's story included). */
  banner: string;
  /** Resolves when the person leaves the console chat; absent when there is none. */
  chat?: Promise<void>;
  /** Stops the bot, then the world. Safe to call twice. */
  stop(): Promise<void>;
}

export async function start(opts: StartOptions = {}): Promise<Started> {
  const output = opts.output ?? process.stdout;
  const input = opts.input ?? process.stdin;
  let world: SandboxRun | undefined;
  let file = opts.config;
  if (!file) {
    world = await startWorld(opts);
    output.write(
      `the demo world is running: ${world.sandbox.info.argocd.length} Argo CD, ${plural(world.sandbox.info.clusters.length, 'cluster')}, ${plural(world.sandbox.info.git.repos.length, 'Git repository', 'Git repositories')} (${shortPath(world.configFile)})\n`,
    );
    file = world.configFile;
  }
  try {
    const loaded = loadConfig(file);
    let cfg = loaded.config;
    if (opts.port !== undefined && !world) cfg = { ...cfg, server: { ...cfg.server, port: opts.port } };
    const chatting =
      cfg.adapters.console.enabled && (opts.console ?? (input as NodeJS.ReadStream).isTTY === true);
    // The console chat, once it runs, takes over how the bot's messages are printed.
    let print: (s: string) => void = (s) => void output.write(s);
    const adapter = new ConsoleAdapter({ write: (s) => print(s) });
    // With a person at the console, logs go to a file so the chat stays readable.
    if (chatting)
      cfg = { ...cfg, log: { ...cfg.log, file: cfg.log.file ?? join(cfg.dataDir, 'deckhand.log') } };
    const bot = await buildBot(
      { ...loaded, config: cfg },
      { extraAdapters: cfg.adapters.console.enabled ? [adapter] : [] },
    );
    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        try {
          await bot.stop(10_000);
        } finally {
          await world?.sandbox.stop();
        }
      })());
    try {
      await bot.start();
    } catch (e) {
      await stop();
      throw e;
    }
    const user = cfg.adapters.console.user;
    const banner = [
      `deckhand ${VERSION} — you are ${user} at the console; type help, a command such as argo status naver-news, or exit.${bot.port ? ` HTTP on :${bot.port}.` : ''}`,
      ...(world ? ['', story(world, hookToken(cfg.plugins), bot.port ?? 8080)] : []),
    ].join('\n');
    const chat = chatting
      ? runRepl({
          adapter,
          input,
          output,
          user: { platform: 'console', id: user, name: user },
          channel: cfg.adapters.console.channel,
          historyFile: join(cfg.dataDir, 'console_history'),
          redact: (line) => bot.redactor.text(line),
          banner,
          people: Object.keys(cfg.identities),
          attach: (write) => (print = write),
          switchUsers: cfg.adapters.console.switchUsers,
        })
      : undefined;
    if (!chat) output.write(banner + '\n');
    return { bot, world, banner, chat, stop };
  } catch (e) {
    await world?.sandbox.stop();
    throw e;
  }
}

/**
 * The demo world, after two checks that touch nothing: the data directory is not another
 * instance's, and the bot's port is free. Either refusal says who is there and how to run a second.
 */
async function startWorld(opts: StartOptions): Promise<SandboxRun> {
  const { runSandbox, SECOND_WORLD_HINT } = await import('./sandbox/cli.ts');
  const dataDir = opts.dataDir ?? DEMO_DATA_DIR;
  const port = opts.port ?? 8080;
  const holder = lockHolder(resolve(dataDir));
  if (holder) throw new DirLockedError(dataDir, holder, SECOND_WORLD_HINT);
  await portFree('127.0.0.1', port, SECOND_WORLD_HINT);
  return runSandbox({
    dataDir,
    botPort: port,
    story: true,
    plugins: bundledPlugins.map((p) => p.id),
    timeScale: opts.world?.timeScale,
    syncDelayMs: opts.world?.syncDelayMs,
  });
}

/** Listen and close at once: EADDRINUSE now is a sentence, not a stack trace after the world started. */
async function portFree(host: string, port: number, hint: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((ok, fail) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new BootError(`Port ${port} is in use (another deckhand?). ${hint}`)
          : new BootError(`Cannot listen on ${host}:${port}: ${err.message}`),
      ),
    );
    probe.listen(port, host, () => probe.close(() => ok()));
  });
}

/**
 * The story, as lines to type (`›`) and to run in a shell (`$`). Each works exactly as printed in
 * a new world: the first pull request there is #1.
 */
function story(world: SandboxRun, token: string, port: number): string {
  return [
    'Try the whole loop, a line at a time:',
    '  a change    › as alice',
    '              › gitops scale flash-web-dev 3 --reason "more traffic"',
    '              › gitops approve 1              (refused: alice may propose, not approve)',
    '              › as bob',
    "              › gitops approve 1              (merged; the rollout is followed in the card's thread)",
    '  an incident — Alertmanager says naver-news was OOMKilled; a thread with the cause, and the',
    '  rule oom-raise-memory raises its memory limit on its own. From another terminal:',
    `              $ curl -sS -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' --data @${shortPath(world.alertFile as string)} http://127.0.0.1:${port}/hooks/incidents/alertmanager`,
    '  a digest    › digest',
    '  the trail   › as console',
    '              › audit --since 1h              (who did what: the merge, the webhook, the incident)',
  ].join('\n');
}

/** The token the story's curl sends: the one the bot's configuration expects. */
function hookToken(plugins: Record<string, unknown>): string {
  const incidents = plugins.incidents as { webhookToken?: string } | undefined;
  return incidents?.webhookToken ?? '<plugins.incidents.webhookToken>';
}

const shortPath = (p: string): string => {
  const rel = relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel;
};
