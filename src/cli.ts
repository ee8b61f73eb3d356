/**
 * deckhand's command line: start | exec | sandbox | config check | config schema.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConsoleAdapter } from './adapters/console/adapter.ts';
import { execOnce, silentAdapter } from './adapters/console/exec.ts';
import { buildBot, configSchema, loadConfig, VERSION } from './app.ts';
import { ConfigError } from './core/config/load.ts';
import { BootError, isDeckError, newErrorId } from './core/errors.ts';
import type { Logger } from './core/logging.ts';
import type { Metrics } from './core/metrics.ts';
import { bundledPlugins } from './plugins/index.ts';

// The sandbox is loaded only by the commands that run it, so `exec` starts fast.
const sandboxCli = () => import('./sandbox/cli.ts');

const usage = `deckhand ${VERSION} — ChatOps for Argo CD and Git

Usage:
  deckhand start [--config F] [--port N]           run the bot (console chat in a terminal)
  deckhand start [--data-dir D] [--port N]         no config: the demo world and the bot (D: .deckhand/sandbox)
  deckhand exec [--config F] [--as USER] [--json] "<command line>"
  deckhand exec [--config F] --as USER --press <action id> [--wait SECONDS]
  deckhand sandbox [--scenario F] [--data-dir D] [--port N]
                                                   run the sandbox world; writes D/deckhand.yaml and D/sandbox.json
  deckhand config check [--config F]              validate a config file, naming each error's path
  deckhand config schema                           print the JSON Schema of the config file

The config file is --config, else $DECKHAND_CONFIG, else ./deckhand.yaml when it exists.
\`deckhand start\` with no config file runs the demo sandbox and the bot together.`;

function configPath(flag: string | undefined): string | undefined {
  if (flag) return flag;
  if (process.env.DECKHAND_CONFIG) return process.env.DECKHAND_CONFIG;
  return existsSync('deckhand.yaml') ? 'deckhand.yaml' : undefined;
}

async function cmdExec(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      as: { type: 'string' },
      json: { type: 'boolean', default: false },
      press: { type: 'string' },
      wait: { type: 'string' },
    },
  });
  const waitSeconds = values.wait === undefined ? 0 : Number(values.wait);
  if (!(waitSeconds >= 0)) {
    process.stderr.write('deckhand exec: --wait takes a number of seconds\n');
    return 2;
  }
  const loaded = loadConfig(configPath(values.config));
  const cfg = loaded.config;
  const line = positionals.join(' ');
  if (!values.press && !line.trim()) {
    process.stderr.write('deckhand exec: give a command line, e.g. deckhand exec "/help"\n');
    return 2;
  }
  const out = { write: (s: string) => process.stdout.write(s) };
  const adapter = values.json ? silentAdapter() : new ConsoleAdapter(out, { numberButtons: false });
  // Logs go to a file so stdout carries only the reply.
  const bot = await buildBot(
    {
      ...loaded,
      config: { ...cfg, log: { ...cfg.log, file: cfg.log.file ?? join(cfg.dataDir, 'deckhand.log') } },
    },
    { extraAdapters: [adapter], http: false, background: false },
  );
  await bot.start();
  try {
    const result = await execOnce(bot, adapter, {
      line,
      press: values.press,
      as: values.as ?? cfg.adapters.console.user,
      channel: cfg.adapters.console.channel,
      json: values.json,
      out,
      // What the command started in the background (a merge's follow-up) may finish meanwhile.
      settleMs: waitSeconds * 1000,
    });
    if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.ok ? 0 : 1;
  } finally {
    await bot.stop(5_000);
  }
}

async function cmdSandbox(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      'data-dir': { type: 'string', default: join('.deckhand', 'sandbox') },
      port: { type: 'string' },
      'time-scale': { type: 'string' },
    },
  });
  const port = values.port === undefined ? 0 : Number(values.port);
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(timeScale > 0)) {
    process.stderr.write('deckhand sandbox: --port takes 0-65535 and --time-scale a positive number\n');
    return 2;
  }
  const { runSandbox, describeSandbox } = await sandboxCli();
  const run = await runSandbox({
    scenario: values.scenario,
    dataDir: values['data-dir'],
    port,
    timeScale,
    plugins: bundledPlugins.map((p) => p.id),
  });
  process.stdout.write(describeSandbox(run));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await run.sandbox.stop();
  process.stdout.write('sandbox stopped\n');
  return 0;
}

/**
 * A serving bot outlives a promise nobody awaited: the rejection is a bug, logged (redacted, with an
 * error id) and counted, and the bot keeps serving — Node's default would end the process and every
 * conversation with it. An uncaught exception still ends it (Node's documentation: state after
 * one is undefined), but only after the log says what it was.
 */
function guardProcess(bot: { log: Logger; metrics: Metrics }): void {
  const rejections = bot.metrics.counter(
    'deckhand_unhandled_rejections_total',
    'Promises that rejected with nobody to handle them (bugs; the bot kept serving)',
    [],
  );
  process.on('unhandledRejection', (reason) => {
    rejections.inc();
    bot.log.error(
      { err: reason instanceof Error ? reason : String(reason), errorId: newErrorId() },
      'unhandled rejection (a bug in deckhand); still serving',
    );
  });
  process.on('uncaughtExceptionMonitor', (err) => {
    bot.log.fatal({ err, errorId: newErrorId() }, 'uncaught exception; the process ends');
  });
}

async function cmdStart(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string' },
      port: { type: 'string' },
    },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write('deckhand start: --port takes 0-65535\n');
    return 2;
  }
  const file = configPath(values.config);
  if (file && values['data-dir']) {
    process.stderr.write(
      'deckhand start: --data-dir is for the demo world; a configuration names its own dataDir\n',
    );
    return 2;
  }
  const { start } = await import('./start.ts');
  const s = await start({ config: file, dataDir: values['data-dir'], port });
  let stopping = false;
  const shutdown = async (why: string) => {
    if (stopping) return;
    stopping = true;
    s.bot.log.info({ why }, 'shutting down');
    await s.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  guardProcess(s.bot);
  if (s.chat) {
    await s.chat;
    await shutdown('console closed');
  }
  return new Promise(() => {});
}

function cmdConfig(argv: string[]): number {
  const [sub, ...rest] = argv;
  if (sub === 'schema') {
    const schema = z.toJSONSchema(configSchema(), {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
    });
    process.stdout.write(JSON.stringify({ title: 'deckhand configuration', ...schema }, null, 2) + '\n');
    return 0;
  }
  if (sub === 'check') {
    const { values } = parseArgs({ args: rest, options: { config: { type: 'string' } } });
    const file = configPath(values.config);
    if (!file) {
      process.stderr.write('deckhand config check: no config file (use --config F)\n');
      return 2;
    }
    loadConfig(file);
    process.stdout.write(`${file}: OK\n`);
    return 0;
  }
  process.stderr.write(usage + '\n');
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'start':
      case undefined:
        return await cmdStart(rest);
      case 'exec':
        return await cmdExec(rest);
      case 'sandbox':
        return await cmdSandbox(rest);
      case 'config':
        return cmdConfig(rest);
      case '--version':
      case 'version':
        process.stdout.write(VERSION + '\n');
        return 0;
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(usage + '\n');
        return 0;
      default:
        process.stderr.write(`deckhand: unknown command '${cmd}'\n\n${usage}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError || e instanceof BootError || (e as Error).name === 'ScenarioError') {
      process.stderr.write((e as Error).message + '\n');
      return 1;
    }
    if (isDeckError(e)) {
      process.stderr.write(`deckhand: ${e.message}${e.hint ? `\n${e.hint}` : ''}\n`);
      return 1;
    }
    // Error codes are not always strings: a DiscordAPIError's is a number.
    const errCode: unknown = (e as { code?: unknown } | undefined)?.code;
    if (typeof errCode === 'string' && errCode.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`deckhand: ${(e as Error).message}\n\n${usage}\n`);
      return 2;
    }
    throw e;
  }
}
