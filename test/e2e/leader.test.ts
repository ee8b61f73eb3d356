/**
 * Issue 10's acceptance for several replicas: two `deckhand start` processes with leader election
 * on a Kubernetes Lease in the sandbox's Kubernetes API, and a digest scheduled every second.
 * Exactly one process posts the digests; when it is killed (SIGKILL: no hand-over), the other
 * takes the lease once it expires and posts from then on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';

const bin = resolve(import.meta.dirname, '../../bin/deckhand.js');
const LEASE_SECONDS = 2;
const RETRY_SECONDS = 0.25;
const DIGEST = 'Digest — every-second';

interface Replica {
  id: string;
  child: ChildProcess;
  out: string;
  err: string;
  logs: { time: number; msg: string; [k: string]: unknown }[];
  exited: Promise<void>;
  digests(): number;
  said(msg: string): { time: number }[];
}

let dir: string;
let run: SandboxRun;
const replicas: Replica[] = [];

function start(id: string, base: Record<string, any>): Replica {
  const cluster = base.plugins.k8s.clusters[0];
  const cfg = {
    ...base,
    server: { enabled: false },
    log: { level: 'debug', format: 'json' },
    leaderElection: {
      enabled: true,
      identity: `replica-${id}`,
      namespace: 'deckhand',
      name: 'deckhand-leader',
      url: cluster.url,
      token: cluster.token,
      caFile: cluster.caFile,
      leaseDurationSeconds: LEASE_SECONDS,
      renewDeadlineSeconds: 1,
      retryPeriodSeconds: RETRY_SECONDS,
    },
    plugins: {
      ...base.plugins,
      digest: {
        schedules: [{ id: 'every-second', channel: 'console:console', cron: '* * * * * *', chart: false }],
        transitions: { enabled: false },
      },
    },
  };
  const file = join(dir, `replica-${id}.yaml`);
  writeFileSync(file, stringify(cfg));
  const child = spawn(process.execPath, [bin, 'start', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Replica = {
    id,
    child,
    out: '',
    err: '',
    logs: [],
    exited: new Promise((done) => child.once('exit', () => done())),
    digests: () => r.out.split(DIGEST).length - 1,
    said: (msg) => r.logs.filter((l) => l.msg === msg),
  };
  child.stdout?.on('data', (b: Buffer) => (r.out += b.toString()));
  let partial = '';
  child.stderr?.on('data', (b: Buffer) => {
    r.err += b.toString();
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        r.logs.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
  });
  replicas.push(r);
  return r;
}

/** Wait for a condition; a replica that dies on its own fails the wait with what it said. */
async function until(what: string, ok: () => boolean, ms: number, alive = replicas): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    const dead = alive.find((r) => r.child.exitCode !== null);
    if (dead) throw new Error(`replica ${dead.id} exited (${dead.child.exitCode}): ${dead.err.slice(-2000)}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deckhand-leader-'));
  run = await runSandbox({ dataDir: dir, timeScale: 0.001, plugins: bundledPlugins.map((p) => p.id) });
}, 60_000);

afterAll(async () => {
  for (const r of replicas)
    if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await run?.sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two bot processes against one sandbox', () => {
  it('posts each digest from one process only, and the other takes over within the lease when it is killed', async () => {
    const base = parse(readFileSync(run.configFile, 'utf8')) as Record<string, any>;
    // Both replicas share the bot's store, as replicas share a database.
    const [a, b] = [start('a', base), start('b', base)] as [Replica, Replica];
    const leaderOf = () => [a, b].find((r) => r.said('became the leader').length > 0);
    await until('a leader', () => leaderOf() !== undefined, 30_000);
    const leader = leaderOf() as Replica;
    const follower = leader === a ? b : a;
    // Both schedulers fire every second; the follower declines, the leader posts.
    await until(
      'the follower to decline three runs and the leader to post three digests',
      () => follower.said('not the leader; scheduled run skipped').length >= 3 && leader.digests() >= 3,
      30_000,
    );
    expect(follower.digests()).toBe(0);
    expect(follower.said('became the leader')).toHaveLength(0);
    expect(leader.out).toContain('18 apps');

    // Killed: no hand-over, the lease has to expire.
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    expect(follower.said('digest posted')).toHaveLength(0);
    // The lease as the dead leader left it: its last renewal.
    const lease = run.sandbox.world
      .cluster('in-cluster')!
      .get('coordination.k8s.io/v1', 'Lease', 'deckhand', 'deckhand-leader') as any;
    expect(lease.spec.holderIdentity).toBe(`replica-${leader.id}`);
    const lastRenewal = Date.parse(lease.spec.renewTime);
    await until('the follower to post a digest', () => follower.digests() > 0, 15_000, [follower]);
    const becameLeader = follower.said('became the leader')[0]!.time;
    // Not before the lease expired, and at the follower's next retry after it (plus slack for a
    // loaded machine).
    const afterRenewal = becameLeader - lastRenewal;
    expect(afterRenewal).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000);
    expect(afterRenewal).toBeLessThanOrEqual((LEASE_SECONDS + RETRY_SECONDS * 1.1) * 1000 + 500);
    const tookOver = becameLeader - killedAt;
    // Never both: every digest the follower posted came after the leader was gone.
    const second = (l: { time: number }) => Math.floor(l.time / 1000);
    const byLeader = new Set(leader.said('digest posted').map(second));
    expect(follower.said('digest posted').every((l) => l.time > killedAt && !byLeader.has(second(l)))).toBe(
      true,
    );
    process.stdout.write(
      `takeover: ${tookOver} ms after the SIGKILL, ${afterRenewal} ms after the last renewal ` +
        `(lease ${LEASE_SECONDS} s, retry ${RETRY_SECONDS} s); ` +
        `digests: ${byLeader.size} by the first leader, ${follower.said('digest posted').length} by the second\n`,
    );

    follower.child.kill('SIGTERM');
    await follower.exited;
    expect(follower.child.exitCode).toBe(0);
  }, 90_000);
});
