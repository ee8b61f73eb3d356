import { describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { parseScenario, type KubeObject } from '../scenario.ts';
import { World, type ClusterState } from '../world.ts';
import type { Manifest } from './kustomize.ts';
import { Rollouts, type SimulationView } from './rollout.ts';
import { eventually } from '../../../test/support/wait.ts';

const scenario = `
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: {name: rollout}
clusters:
  - name: c
    server: https://c
    objects:
      - {apiVersion: v1, kind: Node, metadata: {name: node-1}}
`;

const sim = (over: Partial<SimulationView> = {}): SimulationView => ({
  imageExists: (i) => !i.endsWith(':missing'),
  memoryNeeded: () => 700 * 1024 ** 2,
  startupMs: () => 2000,
  secretKeyExists: (_ns, _s, key) => key !== 'MISSING',
  startupLog: () => 'Started NaverNewsApplication in 3.2 seconds',
  oomLog: () => 'java.lang.OutOfMemoryError: Java heap space',
  ...over,
});

const deployment = (
  opts: { image?: string; memory?: string; replicas?: number; env?: unknown[] } = {},
): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'news', namespace: 'app' },
  spec: {
    replicas: opts.replicas ?? 2,
    selector: { matchLabels: { app: 'news' } },
    template: {
      metadata: { labels: { app: 'news' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: opts.image ?? 'ghcr.io/x/news:1',
            resources: { limits: { memory: opts.memory ?? '1Gi' } },
            env: opts.env ?? [],
          },
        ],
      },
    },
  },
});

function setup(over: Partial<SimulationView> = {}) {
  const world = new World(parseScenario(scenario), systemClock);
  const cluster = world.cluster('c') as ClusterState;
  const r = new Rollouts(cluster, sim(over), {
    scale: 0.002,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    now: () => Date.now(),
  });
  return { cluster, r };
}

const pods = (c: ClusterState) =>
  c.list('v1', 'Pod', 'app') as (KubeObject & { status: { containerStatuses: Record<string, any>[] } })[]; // eslint-disable-line @typescript-eslint/no-explicit-any

const until = (_c: ClusterState, test: () => boolean, timeoutMs = 3000) =>
  eventually(test.toString(), test, { timeoutMs, intervalMs: 5 });

describe('sandbox rollouts', () => {
  it('creates a ReplicaSet and pods that become ready, then scales by count alone', async () => {
    const { cluster, r } = setup();
    r.apply(deployment());
    await until(
      cluster,
      () => pods(cluster).length === 2 && pods(cluster).every((p) => p.status.containerStatuses[0]?.ready),
    );
    const dep = cluster.get('apps/v1', 'Deployment', 'app', 'news') as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(dep.status).toMatchObject({ readyReplicas: 2, updatedReplicas: 2 });
    r.apply(deployment({ replicas: 3 }));
    await until(cluster, () => pods(cluster).length === 3);
    expect(cluster.list('apps/v1', 'ReplicaSet', 'app')).toHaveLength(1);
  });

  it('rolls to a new ReplicaSet on a new image and retires the old pods once ready', async () => {
    const { cluster, r } = setup();
    r.apply(deployment());
    await until(
      cluster,
      () => pods(cluster).every((p) => p.status.containerStatuses[0]?.ready) && pods(cluster).length === 2,
    );
    r.apply(deployment({ image: 'ghcr.io/x/news:2' }));
    await until(
      cluster,
      () =>
        pods(cluster).length === 2 &&
        pods(cluster).every(
          (p) =>
            p.status.containerStatuses[0]?.image === 'ghcr.io/x/news:2' &&
            p.status.containerStatuses[0]?.ready,
        ),
    );
    expect(cluster.list('apps/v1', 'ReplicaSet', 'app')).toHaveLength(2);
  });

  it('reports a missing tag as ErrImagePull then ImagePullBackOff, keeping the old pods', async () => {
    const { cluster, r } = setup();
    r.apply(deployment({ replicas: 1 }));
    await until(cluster, () => pods(cluster)[0]?.status.containerStatuses[0]?.ready === true);
    r.apply(deployment({ replicas: 1, image: 'ghcr.io/x/news:missing' }));
    await until(cluster, () =>
      pods(cluster).some((p) => p.status.containerStatuses[0]?.state?.waiting?.reason === 'ImagePullBackOff'),
    );
    expect(pods(cluster)).toHaveLength(2);
    const events = cluster
      .list('v1', 'Event', 'app')
      .map((e) => (e as Record<string, unknown>).message as string);
    expect(events.some((m) => m.startsWith('Failed to pull image "ghcr.io/x/news:missing"'))).toBe(true);
  });

  it('OOM-kills a container whose limit is below what the app needs, into CrashLoopBackOff', async () => {
    const { cluster, r } = setup();
    r.apply(deployment({ replicas: 1, memory: '512Mi' }));
    await until(cluster, () => (pods(cluster)[0]?.status.containerStatuses[0]?.restartCount ?? 0) >= 1);
    const s = pods(cluster)[0]?.status.containerStatuses[0] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(s.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(s.state.waiting.reason).toBe('CrashLoopBackOff');
    const name = pods(cluster)[0]?.metadata.name;
    expect(cluster.logs.get(`app/${name}/app#previous`)).toContain('OutOfMemoryError');
  });

  it('stops at CreateContainerConfigError when a Secret key is missing', async () => {
    const { cluster, r } = setup();
    r.apply(
      deployment({
        replicas: 1,
        env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'MISSING' } } }],
      }),
    );
    await until(
      cluster,
      () =>
        pods(cluster)[0]?.status.containerStatuses[0]?.state?.waiting?.reason ===
        'CreateContainerConfigError',
    );
    expect(pods(cluster)[0]?.status.containerStatuses[0]?.state.waiting.message).toBe(
      "couldn't find key MISSING in Secret app/db",
    );
  });
});

describe('disruptions from the control API', () => {
  it('crashes a running workload past its progress deadline, and recovers it', async () => {
    const { cluster, r } = setup();
    r.apply(deployment({ replicas: 1 }));
    await until(cluster, () => pods(cluster)[0]?.status.containerStatuses[0]?.ready === true);
    expect(r.disrupt('app', 'news', 'crash')).toBe(1);
    const dep = () =>
      cluster.get('apps/v1', 'Deployment', 'app', 'news') as unknown as {
        status: { conditions: { type: string; reason: string }[] };
      };
    expect(pods(cluster)[0]?.status.containerStatuses[0]?.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(dep().status.conditions.find((c) => c.type === 'Progressing')?.reason).toBe(
      'ProgressDeadlineExceeded',
    );
    r.disrupt('app', 'news', 'recover');
    expect(pods(cluster)[0]?.status.containerStatuses[0]?.ready).toBe(true);
    expect(dep().status.conditions.find((c) => c.type === 'Progressing')?.reason).toBe(
      'NewReplicaSetAvailable',
    );
  });
});
