/**
 * Issue 20's kill test: real `deckhand exec --press` processes carrying out approvals are killed
 * (SIGKILL: nothing runs on the way out) right after each step of the approval state machine is
 * recorded — approved, merging, merged, following — while the Git host answers slowly, so each
 * dies inside its next Git call. Then a press, and a serving `deckhand start` on the same data
 * directory, carry on: every proposal ends merged exactly once, with one merge in the audit, and
 * its follow-up reports in the thread. Nobody is told "being carried out" forever.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ApprovalRequest } from '../../src/core/approvals.ts';
import type { Bot } from '../../src/core/compose.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';
import { botFor } from '../support/sandbox-bot.ts';
import { Replicas, type Replica } from '../support/replicas.ts';
import { tempDir } from '../support/temp.ts';
import { eventually } from '../support/wait.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';

const REPO = 'https://github.com/sijunkim/infra';
/** Short enough that resuming costs the test little; the Git latency below stays well under it. */
const LEASE_SECONDS = 1;
const GIT_LATENCY_MS = 300;
/**
 * Each follow-up's deadline: any verdict proves it ran, and one app (mysql) never settles, so the
 * test waits this long for its verdict.
 */
const FOLLOW_UP_SECONDS = 5;

type Proc = Replica;

const dir = tempDir('deckhand-kill-');
let run: SandboxRun;
let file: string;
let logFile: string;
let bot: Bot;
let adapter: ConsoleAdapter;
let replicas: Replicas;

/** The bot's configuration for every process here: JSON logs, short leases and follow-ups. */
function tune(cfg: Record<string, any>): void {
  cfg.server = { enabled: false };
  cfg.log = { ...cfg.log, level: 'debug', format: 'json' };
  cfg.plugins.gitops.merge = { leaseSeconds: LEASE_SECONDS, sweepSeconds: 0.2 };
  cfg.plugins.gitops.followUp = {
    ...cfg.plugins.gitops.followUp,
    timeoutSeconds: FOLLOW_UP_SECONDS,
    settleSeconds: 0.1,
  };
}

let n = 0;
const spawnBot = (args: string[]): Proc => replicas.spawn(`p${++n}`, args);

const until = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000) =>
  eventually(what, ok, { timeoutMs, intervalMs: 25 });

const execLog = (): Replica['logs'] => {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Replica['logs'][number]];
    } catch {
      return [];
    }
  });
};

const approval = async (id: string) =>
  (await bot.store.collection<ApprovalRequest>('approvals').get(id)) as ApprovalRequest;

async function pull(n: number): Promise<{ state: string; merged: boolean; merge_commit_sha: string }> {
  const { url, token } = run.sandbox.info.git;
  const res = await fetch(`${url}/repos/sijunkim/infra/pulls/${n}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' },
  });
  return (await res.json()) as { state: string; merged: boolean; merge_commit_sha: string };
}

/** alice proposes in this process (it does not serve: it resumes nothing itself). */
async function propose(line: string): Promise<{ pr: number; approve: string; approvalId: string }> {
  const r = await execOnce(bot, adapter, {
    line,
    as: 'alice',
    channel: 'console',
    json: true,
    out: { write: () => {} },
  });
  expect(r.ok).toBe(true);
  const data = r.messages.find((m) => m.data?.actions)!.data as {
    change: { pr: { number: number }; approvalId: string };
    actions: { approve: string };
  };
  return { pr: data.change.pr.number, approve: data.actions.approve, approvalId: data.change.approvalId };
}

/**
 * bob presses Approve in a `deckhand exec` process, which is killed once `state` is recorded;
 * returns how long after the spawn it was killed.
 */
async function pressAndKill(id: string, approvalId: string, state: string): Promise<number> {
  const t0 = Date.now();
  const p = spawnBot(['exec', '--config', file, '--as', 'bob', '--press', id, '--json']);
  // exec logs to a file (its stdout is the reply), written synchronously: read as it grows.
  await eventually(
    `the ${state} step`,
    () => execLog().some((l) => l.msg === 'approval step' && l.approval === approvalId && l.state === state),
    {
      timeoutMs: 20_000,
      intervalMs: 25,
      abortIf: () => p.child.exitCode !== null && `exec exited: ${p.out}\n${p.err.slice(-3000)}`,
    },
  );
  p.child.kill('SIGKILL');
  await p.exited;
  return Date.now() - t0;
}

beforeAll(async () => {
  replicas = new Replicas(dir);
  run = await runSandbox({
    dataDir: dir,
    timeScale: 0.001,
    syncDelayMs: 5,
    plugins: bundledPlugins.map((p) => p.id),
  });
  const cfg = parse(readFileSync(run.configFile, 'utf8')) as Record<string, any>;
  tune(cfg);
  logFile = join(dir, 'exec.log');
  cfg.log.file = logFile;
  file = join(dir, 'kill.yaml');
  writeFileSync(file, stringify(cfg));
  ({ bot, adapter } = await botFor(run, tune, undefined, { serve: false }));
}, 60_000);

afterAll(async () => {
  await replicas?.killAll();
  await bot?.stop(2_000);
  await run?.sandbox.stop();
});

describe('approvals survive SIGKILL at every step', () => {
  it('each killed merge ends merged once, with its audit and follow-up; a press resumes a stuck one', async () => {
    const asks = {
      approved: '/gitops scale friend-app 3',
      merging: '/gitops scale grafana 2',
      merged: '/gitops scale mysql 2',
      following: '/gitops scale naver-news 2',
    } as const;
    const proposals = new Map<string, Awaited<ReturnType<typeof propose>>>();
    for (const [step, line] of Object.entries(asks)) proposals.set(step, await propose(line));
    const master = await run.sandbox.repos.get(REPO)!.git.resolve('master');

    await run.sandbox.setFaults('git', { latencyMs: GIT_LATENCY_MS });
    const killedAt: Record<string, number> = {};
    for (const [step, p] of proposals) killedAt[step] = await pressAndKill(p.approve, p.approvalId, step);
    await run.sandbox.setFaults('git', { latencyMs: 0 });

    // The first one died after its decision, before any Git call: a press now carries it on.
    const first = proposals.get('approved')!;
    await until('its lease to run out', async () => {
      const a = await approval(first.approvalId);
      return !a.lease || a.lease.until <= Date.now();
    });
    const press = spawnBot(['exec', '--config', file, '--as', 'bob', '--press', first.approve, '--json']);
    await press.exited;
    expect(press.out).toMatch(new RegExp(`Merged #${first.pr} at [0-9a-f]{7}`));
    expect(press.out).not.toMatch(/being carried out/);

    // A serving bot resumes the others on its own, as soon as their leases run out.
    const started = Date.now();
    const replica = spawnBot(['start', '--config', file]);
    await until(
      'every approval to be merged and followed',
      async () => {
        for (const p of proposals.values()) {
          const a = await approval(p.approvalId);
          if (a.state !== 'following' && a.state !== 'done') return false;
        }
        return true;
      },
      30_000,
    );
    const resumedMs = Date.now() - started;

    const merges = await bot.store.audit.query({ kind: 'merge' });
    for (const [step, p] of proposals) {
      expect(await pull(p.pr), step).toMatchObject({ state: 'closed', merged: true });
      const mine = merges.filter((m) => (m.detail as { pr: { number: number } }).pr.number === p.pr);
      expect(mine, `one merge recorded for ${step}`).toHaveLength(1);
      const presses = await bot.store.audit.query({ kind: 'approval' });
      expect(
        presses.some((e) => (e.detail as { approvalId: string }).approvalId === p.approvalId),
        step,
      ).toBe(true);
    }
    // One merge commit per pull request on master: nothing merged twice.
    const log = await run.sandbox.repos.get(REPO)!.git.log(`${master}..master`, undefined, 100);
    expect(log).toHaveLength(proposals.size * 2);
    // Every follow-up reports in the thread (the replica's console) and closes its approval.
    await until(
      'every follow-up to report',
      async () => {
        for (const p of proposals.values()) if ((await approval(p.approvalId)).state !== 'done') return false;
        return true;
      },
      30_000,
    );
    // Any verdict shows the follow-up ran: in the demo world naver-news crash-loops and the mysql
    // StatefulSet does not settle at 2 replicas within the deadline.
    // The verdict is posted as the approval closes: wait for the words, not only the state.
    const verdict = (app: string) =>
      new RegExp(
        `${app}(: the rollout of| synced to| did not become Healthy)|cannot tell whether ${app} runs`,
      );
    await until(
      'every follow-up verdict in the thread',
      () => {
        const missing = ['friend-app', 'grafana', 'mysql', 'naver-news'].filter(
          (app) => !verdict(app).test(replica.out + press.out),
        );
        if (missing.length) throw new Error(`no verdict yet for ${missing.join(', ')}`);
        return true;
      },
      10_000,
    );
    replica.child.kill('SIGTERM');
    await replica.exited;
    console.log(
      `kill test: killed ms after spawn ${JSON.stringify(killedAt)}; the replica resumed all in ${resumedMs} ms`,
    );
  }, 60_000);
});
