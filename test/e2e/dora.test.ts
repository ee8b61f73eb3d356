/**
 * Delivery metrics end to end through the sandbox: a pull request deckhand merges becomes a
 * deployment with its lead time, its revert counts the deployment as failed and restored, and an
 * incident of the app (Alertmanager, resolved) counts toward time to restore.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import type { ConsoleAdapter } from '../../src/adapters/console/adapter.ts';
import type { Bot } from '../../src/core/compose.ts';
import type { KubeObject } from '../../src/sandbox/scenario.ts';
import { postAlertGroup } from '../support/alerts.ts';
import { botFor, startSandboxBot, type SandboxBot, takesAlerts } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';
import { eventually } from '../support/wait.ts';

const TOKEN = 'alertmanager-test-token-0123456789';
let s: SandboxBot;
let bot: Bot;
let adapter: ConsoleAdapter;
let url: string;
/** When the last incident of friend-app started (ms). */
let lastIncidentAt = 0;

type Dora = {
  keys: {
    deployments: number;
    changeFailureRate: { failed: number; of: number };
    timeToRestore: { median?: number; restored: number; open: number };
    failures: { deployment: number; cause: { kind: string; by?: number; title?: string } }[];
  };
  deployments: {
    id: number;
    revision: string;
    initiatedBy?: string;
    restores?: boolean;
    commits: number;
    leadTimeMs?: number;
  }[];
};

const run = async (line: string, as = 'console') => {
  const r = await execOnce(bot, adapter, { line, as, channel: 'ops', json: true, out: { write: () => {} } });
  return r;
};
const press = (id: string, as: string) =>
  execOnce(bot, adapter, { press: id, as, channel: 'ops', json: true, out: { write: () => {} } });
const dora = async () => {
  const r = await run('/argo dora friend-app --since 7d');
  expect(r.ok).toBe(true);
  return r.messages.at(-1)!.data as Dora;
};
const alert = (status: 'firing' | 'resolved', startsAt: string) => ({
  version: '4',
  groupKey: '{}:{alertname="KubeDeploymentReplicasMismatch", namespace="friend-app"}',
  truncatedAlerts: 0,
  status,
  receiver: 'deckhand',
  groupLabels: { alertname: 'KubeDeploymentReplicasMismatch', namespace: 'friend-app' },
  commonLabels: {
    alertname: 'KubeDeploymentReplicasMismatch',
    namespace: 'friend-app',
    argocd_app: 'friend-app',
  },
  commonAnnotations: { summary: 'Deployment has not matched the expected number of replicas.' },
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts: [
    {
      status,
      labels: {
        alertname: 'KubeDeploymentReplicasMismatch',
        namespace: 'friend-app',
        argocd_app: 'friend-app',
        severity: 'warning',
      },
      annotations: { summary: 'Deployment has not matched the expected number of replicas.' },
      startsAt,
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring:9090/graph',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
});
beforeAll(async () => {
  s = await startSandboxBot();
  ({ bot, adapter } = await botFor(
    s.run,
    (cfg) => {
      takesAlerts(cfg, TOKEN);
      cfg.plugins.delivery = {
        ...cfg.plugins.delivery,
        teams: [{ name: 'tickets', projects: ['flash-tickets'] }],
        // This bot and the sandbox's share one store, as two replicas do: whichever reads first
        // records a deployment, and this one must count it all the same (once the settle time
        // has passed, so that deckhand's merge is written down and it is counted as deckhand's).
        settleSeconds: 3,
      };
      cfg.plugins.gitops.followUp = {
        ...cfg.plugins.gitops.followUp,
        timeoutSeconds: 20,
        settleSeconds: 0.2,
      };
    },
    () => undefined,
    { http: true },
  ));
  url = `http://127.0.0.1:${bot.port}`;
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
});

/** Propose, approve as bob, and wait until friend-app has deployed the merge. */
async function merged(line: string): Promise<string> {
  const r = await run(line, 'alice');
  expect(r.ok).toBe(true);
  const card = r.messages.find((m) => m.data?.change)!.data as { actions: { approve: string } };
  const done = await press(card.actions.approve, 'bob');
  expect(done.ok).toBe(true);
  const sha = (JSON.stringify(done.messages).match(/at ([0-9a-f]{7})/) ?? [])[1] as string;
  // The watch records the deployment as Argo CD adds it to the history, before anyone asks.
  const records = bot.store.collection<{ name: string; revisions: string[] }>('deployments');
  // Argo CD's deployment, then the settle time (3 s): on two busy cores more than 10 s at times.
  await eventually(
    `friend-app's record to hold ${sha}`,
    async () =>
      (await records.list()).some(
        (d) => d.value.name === 'friend-app' && d.value.revisions[0]?.startsWith(sha),
      ),
    { timeoutMs: 30_000 },
  );
  return sha;
}

describe('/argo dora', () => {
  it('counts a merged pull request with its lead time, its revert as a failure, and an incident restored', async () => {
    const before = await dora();
    let scaled!: string;
    await step(
      'a deckhand pull request merged and deployed is a deployment, with its commit and lead time',
      async () => {
        scaled = await merged('/gitops scale friend-app 3');
        const after = await dora();
        expect(after.keys.deployments).toBe(before.keys.deployments + 1);
        const d = after.deployments[0]!;
        expect(d.revision.startsWith(scaled)).toBe(true);
        expect(d).toMatchObject({ initiatedBy: 'deckhand', commits: 1 });
        expect(d.leadTimeMs).toBeGreaterThanOrEqual(0);
        expect(d.leadTimeMs).toBeLessThan(120_000);
      },
    );

    await step('its revert, merged, counts the scale as failed and restored', async () => {
      await merged('/gitops revert friend-app');
      const k = await dora();
      expect(k.deployments[0]).toMatchObject({ initiatedBy: 'deckhand', restores: true });
      const failure = k.keys.failures.find((f) => f.deployment === k.deployments[1]!.id);
      expect(failure?.cause).toMatchObject({ kind: 'rollback', by: k.deployments[0]!.id });
      expect(k.keys.changeFailureRate.failed).toBe(before.keys.changeFailureRate.failed + 1);
      expect(k.keys.timeToRestore.restored).toBe(before.keys.timeToRestore.restored + 1);
    });

    await step('the same deployments are Prometheus series on /metrics', async () => {
      // The revert is counted after its settle time, which its being recorded need not wait for.
      const text = await eventually(
        'the revert to be counted',
        async () => {
          const t = await (await fetch(`${url}/metrics`)).text();
          if (!/initiated_by="deckhand",restores="true"/.test(t))
            throw new Error(
              t
                .split('\n')
                .filter((l) => l.startsWith('deckhand_deployments_total'))
                .join('\n'),
            );
          return t;
        },
        { timeoutMs: 20_000 },
      );
      const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
      // What was counted, for the failure message: the series below are among these.
      const series = text
        .split('\n')
        .filter((l) => l.startsWith('deckhand_deployments_total'))
        .join('\n');
      expect(
        line(
          /^deckhand_deployments_total\{app="friend-app",project="default",env="",initiated_by="deckhand",restores="false"\} 1$/,
        ),
        series,
      ).toBeDefined();
      expect(
        line(
          /^deckhand_deployments_total\{app="friend-app",project="default",env="",initiated_by="deckhand",restores="true"\} 1$/,
        ),
        series,
      ).toBeDefined();
      expect(
        Number(
          line(/^deckhand_deployment_lead_time_seconds_count\{project="default",env=""\}/)?.split(' ')[1],
        ),
      ).toBeGreaterThan(0);
      expect(line(/^deckhand_deployment_restore_seconds_count\{project="default",env=""\} 1$/)).toBeDefined();
    });

    await step(
      'an incident of the app after its last deployment is a failure, restored when it resolves',
      async () => {
        const startsAt = new Date().toISOString();
        expect((await postAlertGroup(url, TOKEN, alert('firing', startsAt))).status).toBeLessThan(300);
        await eventually('the incident to be recorded', async () =>
          (await dora()).keys.failures.some((f) => f.cause.kind === 'incident'),
        );
        const open = await dora();
        expect(open.keys.timeToRestore.open).toBe(1);
        expect((await postAlertGroup(url, TOKEN, alert('resolved', startsAt))).status).toBeLessThan(300);
        await eventually('the incident to resolve', async () => (await dora()).keys.timeToRestore.open === 0);
        const k = await dora();
        expect(k.keys.failures.find((f) => f.cause.kind === 'incident')?.cause.title).toBe(
          'KubeDeploymentReplicasMismatch',
        );
        expect(k.keys.timeToRestore.restored).toBe(before.keys.timeToRestore.restored + 2);
      },
    );

    await step('the alert firing again later keeps the first occurrence as it was', async () => {
      const first = (await dora()).keys.failures.find((f) => f.cause.kind === 'incident') as unknown as {
        startedAt: number;
        restoredAt: number;
      };
      lastIncidentAt = Date.now() + 1_000;
      const again = new Date(lastIncidentAt).toISOString();
      expect((await postAlertGroup(url, TOKEN, alert('firing', again))).status).toBeLessThan(300);
      const incidents = bot.store.collection<{ status: string; earlier?: unknown[] }>('incidents');
      await eventually('the group to fire again', async () =>
        (await incidents.list()).some((i) => i.value.status === 'firing' && i.value.earlier?.length === 1),
      );
      const now = (await dora()).keys.failures.find((f) => f.cause.kind === 'incident') as unknown as {
        startedAt: number;
        restoredAt: number;
      };
      // Charged to the same deployment, the first occurrence still is its failure, restored as then.
      expect({ startedAt: now.startedAt, restoredAt: now.restoredAt }).toEqual({
        startedAt: first.startedAt,
        restoredAt: first.restoredAt,
      });
    });

    await step(
      'the app Degraded in Argo CD after a deployment fails it, restored when Healthy again',
      async () => {
        // Argo CD's times are to the second: the deployment must not share one with the incident
        // above (which fails the first deployment it follows), so wait for the next second.
        await eventually(
          'the second after the last incident',
          async () => Date.now() >= Math.ceil(lastIncidentAt / 1000) * 1000,
        );
        const id = (await dora()).deployments[0]!.id;
        await merged('/gitops scale friend-app 4');
        const deployed = (await dora()).deployments[0]!;
        expect(deployed.id).toBeGreaterThan(id);
        const { world, controller } = s.run.sandbox;
        const cluster = world.cluster('in-cluster')!;
        const healthy = structuredClone(
          cluster.get('apps/v1', 'Deployment', 'friend-app', 'friend-app') as KubeObject,
        );
        // The rollout stalls past its deadline: Argo CD says Degraded (gitops-engine's Deployment health).
        const stalled = structuredClone(healthy) as KubeObject & { status: Record<string, unknown> };
        stalled.status = {
          ...stalled.status,
          availableReplicas: 0,
          readyReplicas: 0,
          conditions: [
            { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
          ],
        };
        cluster.upsert(stalled);
        controller.refreshHealth(cluster);
        // Both from one answer: the failure, and it open (not yet restored).
        await eventually('the failure to be Degraded, and open', async () => {
          const k = (await dora()).keys;
          return (
            k.failures.some((f) => f.deployment === deployed.id && f.cause.kind === 'degraded') &&
            k.timeToRestore.open >= 1
          );
        });
        cluster.upsert(healthy);
        controller.refreshHealth(cluster);
        await eventually('the failure to be restored', async () =>
          (await dora()).keys.failures.some(
            (f) =>
              f.deployment === deployed.id &&
              f.cause.kind === 'degraded' &&
              (f as { restoredAt?: number }).restoredAt !== undefined,
          ),
        );
      },
    );
  });

  it('says what it cannot count, and refuses an app nobody has', async () => {
    const none = await run('/argo dora no-such-app');
    expect(none.ok).toBe(false);
    expect(JSON.stringify(none.messages)).toContain('No app matches no-such-app.');
    const bad = await run('/argo dora friend-app --since 0d');
    expect(bad.ok).toBe(false);
    // 90 days back, and 90 before that: the record (Argo CD's history of friend-app) does not reach.
    const far = await run('/argo dora friend-app --since 90d');
    const farData = far.messages.at(-1)!.data as { previous?: unknown; notes: string[] };
    expect(farData.previous).toBeUndefined();
    expect(farData.notes.join(' ')).toMatch(
      /deckhand's record of these apps starts \d{4}-\d\d-\d\d: no comparison with the 90 days before/,
    );
    const env = await run('/argo dora --env qa');
    expect(JSON.stringify(env.messages)).toContain(
      'qa is not an environment deckhand knows (dev, staging, prod).',
    );
    const team = await run('/argo dora --team payments');
    expect(JSON.stringify(team.messages)).toContain('payments is not a team deckhand knows (tickets).');
  });

  it("picks a team's apps, and an environment's", async () => {
    const names = async (line: string) => {
      const r = await run(line);
      expect(r.ok).toBe(true);
      const d = r.messages.at(-1)!.data as { scope: string; deployments: { app: string }[] };
      return { scope: d.scope, apps: [...new Set(d.deployments.map((x) => x.app))].sort() };
    };
    const prod = await names('/argo dora --team tickets --env prod --since 90d');
    expect(prod.scope).toBe('team tickets, prod');
    expect(prod.apps.length).toBeGreaterThan(0);
    expect(prod.apps.every((a) => a.startsWith('flash-') && a.endsWith('-prod'))).toBe(true);
    const all = await names('/argo dora --team tickets --since 90d');
    expect(all.apps.some((a) => a.endsWith('-staging'))).toBe(true);
    expect(all.apps.every((a) => a.startsWith('flash-'))).toBe(true);
  });
});
