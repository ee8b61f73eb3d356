/**
 * Issue 10's acceptance for several replicas: two `deckhand start` processes with leader election
 * on a Kubernetes Lease in the sandbox's Kubernetes API, and a digest scheduled every second.
 * Exactly one process posts the digests; when it is killed (SIGKILL: no hand-over), the other
 * takes the lease once it expires and posts from then on.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';
import { Replicas, type Replica } from '../support/replicas.ts';
import { tempDir } from '../support/temp.ts';

const LEASE_SECONDS = 2;
const RETRY_SECONDS = 0.25;
const DIGEST = 'Digest — every-second';

const dir = tempDir('deckhand-leader-');
let run: SandboxRun;
let replicas: Replicas;

/** The console's digests a replica posted. */
const digests = (r: Replica) => r.out.split(DIGEST).length - 1;

function start(id: string, base: Record<string, any>): Replica {
  const cluster = base.plugins.k8s.clusters[0];
  return replicas.start(id, {
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
  });
}

/** Wait for a condition; a replica that dies on its own fails the wait with what it said. */
const until = (what: string, ok: () => boolean, ms: number, alive?: Replica[]) =>
  replicas.until(what, ok, ms, alive);

beforeAll(async () => {
  replicas = new Replicas(dir);
  run = await runSandbox({ dataDir: dir, timeScale: 0.001, plugins: bundledPlugins.map((p) => p.id) });
}, 60_000);

afterAll(async () => {
  await replicas?.killAll();
  await run?.sandbox.stop();
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
      () => follower.said('not the leader; scheduled run skipped').length >= 3 && digests(leader) >= 3,
      30_000,
    );
    expect(digests(follower)).toBe(0);
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
    await until('the follower to post a digest', () => digests(follower) > 0, 15_000, [follower]);
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
