/**
 * Issue 11's acceptance for the bot's own endpoints: a bot configured by the sandbox's own
 * deckhand.yaml, with its HTTP server on loopback, answers /healthz, /readyz (not ready while the
 * sandbox's Argo CD is down, ready again once it is back) and /metrics in Prometheus text, and
 * finishes the commands in flight when it is stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import { botFor, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

// Test configs are free-form objects.
type Cfg = Record<string, any>;

const onLoopback = (cfg: Cfg) => {
  cfg.server = { ...cfg.server, host: '127.0.0.1', port: 0 };
};

let s: SandboxBot;
let ops: { bot: Bot; adapter: ConsoleAdapter; url: string };

beforeAll(async () => {
  s = await startSandboxBot();
  const { bot, adapter } = await botFor(s.run, onLoopback, undefined, { http: true });
  ops = { bot, adapter, url: `http://127.0.0.1:${bot.port}` };
}, 60_000);
afterAll(async () => {
  await ops?.bot.stop(2_000);
  await s?.stop();
});

const run = (bot: Bot, adapter: ConsoleAdapter, line: string, as = 'console') =>
  execOnce(bot, adapter, { line, as, channel: 'ops', json: true, out: { write: () => {} } });

interface Readiness {
  status: string;
  checks: { name: string; ok: boolean; reason?: string }[];
}

const readyz = async (): Promise<{ code: number; body: Readiness }> => {
  const res = await fetch(`${ops.url}/readyz`);
  return { code: res.status, body: (await res.json()) as Readiness };
};

/** Poll /readyz until it answers `code` (every 25 ms, within `ms`); the last answer either way. */
async function readyzUntil(code: number, ms = 8_000): Promise<{ code: number; body: Readiness }> {
  const deadline = Date.now() + ms;
  let last = await readyz();
  while (last.code !== code && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    last = await readyz();
  }
  return last;
}

/** The value of one sample line of the Prometheus text (labels in prom-client's order), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('health and readiness', () => {
  it('answers /healthz with 200 while the process is up', async () => {
    const res = await fetch(`${ops.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 and a passing check for the store and the Argo CD instance', async () => {
    const { code, body } = await readyzUntil(200);
    expect(code).toBe(200);
    expect(body.status).toBe('ready');
    expect(body.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'store', ok: true }),
        expect.objectContaining({ name: 'argocd:default', ok: true }),
      ]),
    );
  });

  it('goes 503 naming argocd:default and why while Argo CD is down, and 200 once it is back', async () => {
    await s.run.sandbox.setFaults('argocd/default', { down: true });
    try {
      const down = await readyzUntil(503);
      expect(down.code).toBe(503);
      expect(down.body.status).toBe('not ready');
      const argo = down.body.checks.find((c) => c.name === 'argocd:default');
      expect(argo).toMatchObject({ ok: false });
      expect(argo?.reason).toMatch(/Cannot reach Argo CD \(default\).*ECONNREFUSED/);
      // The store is fine: only the instance that is down fails.
      expect(down.body.checks.find((c) => c.name === 'store')).toMatchObject({ ok: true });
    } finally {
      await s.run.sandbox.setFaults('argocd/default', { down: false });
    }
    const t = Date.now();
    const up = await readyzUntil(200);
    expect(up.code).toBe(200);
    expect(up.body.checks.find((c) => c.name === 'argocd:default')).toMatchObject({ ok: true });
    // Ready again at the next probe, not after the watch stream's reconnect backoff.
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});

describe('metrics', () => {
  it('serves Prometheus text with commands, latency, backend calls and approvals', async () => {
    expect((await run(ops.bot, ops.adapter, '/argo status naver-news --refresh')).ok).toBe(true);
    expect((await run(ops.bot, ops.adapter, '/argo status no-such-app')).ok).toBe(false);
    await s.run.sandbox.setFaults('argocd/default', { down: true });
    try {
      expect((await run(ops.bot, ops.adapter, '/argo status friend-app --refresh')).ok).toBe(false);
    } finally {
      await s.run.sandbox.setFaults('argocd/default', { down: false });
    }
    // A proposed change waits for a second pair of eyes.
    expect((await run(ops.bot, ops.adapter, '/gitops scale friend-app 3', 'alice')).ok).toBe(true);
    const res = await fetch(`${ops.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    expect(sample(text, 'deckhand_commands_total{command="argo status",outcome="ok"}')).toBe(1);
    expect(sample(text, 'deckhand_commands_total{command="argo status",outcome="DECK_NOT_FOUND"}')).toBe(1);
    expect(
      sample(text, 'deckhand_commands_total{command="argo status",outcome="DECK_UPSTREAM_UNREACHABLE"}'),
    ).toBe(1);
    expect(text).toContain('# TYPE deckhand_command_duration_seconds histogram');
    expect(sample(text, 'deckhand_command_duration_seconds_count{command="argo status"}')).toBe(1);

    expect(text).toContain('# TYPE deckhand_backend_request_duration_seconds histogram');
    const argoOk = 'deckhand_backend_request_duration_seconds_count{backend="argocd@default",outcome="ok"}';
    expect(sample(text, argoOk)).toBeGreaterThan(0);
    // Calls that failed while Argo CD was down, by why they failed…
    const argoDown =
      'deckhand_backend_request_duration_seconds_count{backend="argocd@default",outcome="unreachable"}';
    expect(sample(text, argoDown)).toBeGreaterThan(0);
    // …and the command that failed because of them.
    expect(sample(text, 'deckhand_backend_errors_total{backend="argocd@default",kind="unreachable"}')).toBe(
      1,
    );

    expect(sample(text, 'deckhand_approvals_pending')).toBe(1);
    expect(sample(text, 'deckhand_incidents_open')).toBe(0);
    expect(text).toContain('# TYPE deckhand_remediations_total counter');
    expect(sample(text, 'deckhand_commands_total{command="gitops scale",outcome="ok"}')).toBe(1);
    // The process's own metrics, since this bot serves HTTP.
    expect(text).toContain('deckhand_process_resident_memory_bytes');
  });
});

describe('graceful shutdown', () => {
  it('lets a command in flight finish and reply before the bot stops', async () => {
    const printed: string[] = [];
    const { bot, adapter } = await botFor(
      s.run,
      (cfg) => {
        onLoopback(cfg);
        // Without the cache every read goes to Argo CD, whose answers are slowed down below.
        cfg.plugins.argocd.cache.enabled = false;
      },
      (t) => printed.push(t),
      { http: true },
    );
    await s.run.sandbox.setFaults('argocd/default', { latencyMs: 150 });
    try {
      let settled = false;
      const reply = run(bot, adapter, '/argo status friend-app').finally(() => (settled = true));
      // Stop once the dispatcher has the command in hand.
      while (bot.tasks.size === 0) await new Promise((r) => setImmediate(r));
      await bot.stop(10_000);
      // stop() returned only after the command had finished.
      expect(settled).toBe(true);
      const r = await reply;
      expect(r.ok).toBe(true);
      expect(textOf(r)).toContain('friend-app');
      expect(printed.join('')).toContain('friend-app');
      // The HTTP server is closed afterwards.
      await expect(fetch(`http://127.0.0.1:${bot.port}/healthz`)).rejects.toThrow();
    } finally {
      await s.run.sandbox.setFaults('argocd/default', { latencyMs: 0 });
      await bot.stop(1_000);
    }
  });
});
