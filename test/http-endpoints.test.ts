/** The bot's own HTTP endpoints: health, readiness and Prometheus metrics. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/core/config/load.ts';
import { buildConfigSchema } from '../src/core/config/schema.ts';
import { createBot, type Bot } from '../src/core/compose.ts';
import { builtinsPlugin } from '../src/core/builtins/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import type { AnyPlugin } from '../src/core/plugin.ts';
import { createLogger } from '../src/core/logging.ts';
import { Writable } from 'node:stream';

let bot: Bot | undefined;
afterEach(async () => bot?.stop(2_000));

async function start(): Promise<{ bot: Bot; url: string }> {
  const plugins = [builtinsPlugin as AnyPlugin];
  const schema = buildConfigSchema(
    plugins.map((p) => ({ id: p.id, schema: p.config })),
    [],
  );
  const { config } = parseConfig('server: {port: 0, host: 127.0.0.1}\n', schema, { env: {} });
  const clock = new ManualClock();
  const log = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });
  bot = await createBot({
    config,
    plugins,
    version: 'test',
    overrides: { clock, store: new SqliteStore(':memory:', clock), log },
  });
  await bot.start();
  return { bot, url: `http://127.0.0.1:${bot.port}` };
}

describe('HTTP endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: [{ name: 'store', ok: true }] });
  });

  it('says degraded only of a degraded check that fails, which leaves the bot ready', async () => {
    const { bot: b, url } = await start();
    let failure: string | null = null;
    b.http.readiness.push({ name: 'notify:mail', degraded: true, check: async () => failure });
    const checks = async () => {
      const res = await fetch(`${url}/readyz`);
      return { status: res.status, mail: ((await res.json()) as { checks: object[] }).checks.at(-1) };
    };
    expect(await checks()).toEqual({ status: 200, mail: { name: 'notify:mail', ok: true } });
    failure = 'the last mail failed 1m ago: ECONNREFUSED';
    expect(await checks()).toEqual({
      status: 200,
      mail: { name: 'notify:mail', ok: false, reason: failure, degraded: true },
    });
  });

  it('counts commands by name and outcome in /metrics', async () => {
    const { bot: b, url } = await start();
    const respond = { post: async () => ({ platform: 't', channel: 'c', id: '1' }), update: async () => {} };
    const user = { platform: 'console', id: 'x' };
    const conversation = { platform: 'console', channel: 'c' };
    await b.dispatcher.deliver({ kind: 'command', text: 'help', user, conversation, respond });
    await b.dispatcher.deliver({ kind: 'command', text: 'hlep', user, conversation, respond });
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('deckhand_commands_total{command="help",outcome="ok"} 1');
    // A typo is counted, but not as a label value of its own (they would grow without bound).
    expect(text).toMatch(/deckhand_commands_total\{command="\(unknown\)",outcome="DECK_NOT_FOUND"\} 1/);
    expect(text).not.toContain('command="hlep"');
    expect(text).toContain('deckhand_command_duration_seconds_bucket');
    expect(text).toContain('deckhand_approvals_pending 0');
  });

  it('answers unknown paths with 404', async () => {
    const { url } = await start();
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});
