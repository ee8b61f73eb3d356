/**
 * The sandbox Kubernetes API as real clients see it: the kubectl binary (server-side printing,
 * describe, logs, field selectors, refusals) and @kubernetes/client-node (selectors, logs, watch,
 * Leases with their conflicts), plus the errors and fault knobs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoordinationV1Api, CoreV1Api, KubeConfig, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import type { SandboxServer } from '../http.ts';
import { parseScenario } from '../scenario.ts';
import { World, type ClusterState } from '../world.ts';
import { createKubeServer, kubeconfigFor } from './server.ts';

const run = promisify(execFile);
const kubectlBin = (process.env.PATH ?? '')
  .split(':')
  .map((d) => join(d, 'kubectl'))
  .find((p) => existsSync(p));
// On CI (.ci/run installs it) a missing kubectl fails the run instead of skipping its tests.
if (!kubectlBin && process.env.CI) throw new Error('kubectl is needed on CI');

const scenario = `
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: {name: kube}
clusters:
  - name: lab
    server: https://lab
    objects:
      - {apiVersion: v1, kind: Namespace, metadata: {name: news}}
      - {apiVersion: v1, kind: Node, metadata: {name: node-1}, status: {conditions: [{type: Ready, status: "True"}], nodeInfo: {kubeletVersion: v1.31.6}}}
      - apiVersion: v1
        kind: Pod
        metadata: {name: news-7d9-abcde, namespace: news, uid: p1, labels: {app: news, tier: web}, creationTimestamp: "2026-11-24T08:00:00Z"}
        spec: {nodeName: node-1, containers: [{name: app, image: ghcr.io/o/news:1}, {name: sidecar, image: envoy:1}]}
        status:
          phase: Running
          podIP: 10.244.0.12
          containerStatuses:
            - {name: app, ready: false, restartCount: 7, image: ghcr.io/o/news:1, state: {waiting: {reason: CrashLoopBackOff, message: "back-off 5m0s restarting failed container=app pod=news-7d9-abcde_news(p1)"}}, lastState: {terminated: {reason: OOMKilled, exitCode: 137, finishedAt: "2026-11-24T08:50:00Z"}}}
            - {name: sidecar, ready: true, restartCount: 0, image: envoy:1, state: {running: {startedAt: "2026-11-24T08:00:05Z"}}}
      - apiVersion: v1
        kind: Pod
        metadata: {name: web-1, namespace: news, uid: p2, labels: {app: web}}
        spec: {nodeName: node-1, containers: [{name: web, image: nginx:1.27}]}
        status: {phase: Running, containerStatuses: [{name: web, ready: true, restartCount: 0, image: nginx:1.27, state: {running: {}}}]}
      - apiVersion: v1
        kind: Event
        metadata: {name: news-7d9-abcde.1, namespace: news}
        involvedObject: {kind: Pod, name: news-7d9-abcde, namespace: news, uid: p1}
        reason: BackOff
        type: Warning
        count: 61
        message: Back-off restarting failed container app in pod news-7d9-abcde_news(p1)
        source: {component: kubelet}
      - apiVersion: v1
        kind: Event
        metadata: {name: web-1.1, namespace: news}
        involvedObject: {kind: Pod, name: web-1, namespace: news, uid: p2}
        reason: Started
        type: Normal
        message: Started container web
    logs:
      "news/news-7d9-abcde/app": "Starting NewsApplication\\nline 2\\nline 3\\n"
      "news/news-7d9-abcde/app#previous": "Starting NewsApplication\\njava.lang.OutOfMemoryError: Java heap space\\n"
`;

let cluster: ClusterState;
let server: SandboxServer;
let url: string;
let kc: KubeConfig;
let kubeconfig: string;
let dir: string;

beforeEach(async () => {
  cluster = new World(parseScenario(scenario), systemClock).cluster('lab') as ClusterState;
  server = createKubeServer(cluster);
  url = await server.listen(0);
  dir = mkdtempSync(join(tmpdir(), 'deckhand-kube-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigFor(url, cluster.token, 'lab'));
  kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  try {
    const { stdout, stderr } = await run(kubectlBin as string, [
      '--kubeconfig',
      kubeconfig,
      '--cache-dir',
      join(kubeconfig, '..', 'cache'),
      ...args,
    ]);
    return { out: stdout, err: stderr, code: 0 };
  } catch (e) {
    const x = e as { stdout: string; stderr: string; code: number };
    return { out: x.stdout, err: x.stderr, code: x.code };
  }
}

describe.skipIf(!kubectlBin)('the real kubectl against the sandbox (needs kubectl on PATH)', () => {
  it('get pods -A with kubectl’s columns, and -o wide', async () => {
    const all = await kubectl('get', 'pods', '-A');
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.find((l) => l.includes('news-7d9-abcde'))).toMatch(
      /news\s+news-7d9-abcde\s+1\/2\s+CrashLoopBackOff\s+7 \(\S+ ago\)/,
    );
    const wide = await kubectl('get', 'pods', '-n', 'news', '-o', 'wide');
    expect(wide.out.split('\n')[0]).toMatch(/IP\s+NODE/);
    expect(wide.out).toMatch(/10\.244\.0\.12\s+node-1/);
  });

  it('describe pod shows its events; logs --previous and -c/--tail work', async () => {
    const d = await kubectl('describe', 'pod', 'news-7d9-abcde', '-n', 'news');
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/Events:[\s\S]*BackOff[\s\S]*Back-off restarting failed container app/);
    const prev = await kubectl('logs', 'news-7d9-abcde', '-n', 'news', '-c', 'app', '--previous');
    expect(prev.out).toBe('Starting NewsApplication\njava.lang.OutOfMemoryError: Java heap space\n');
    const tail = await kubectl('logs', 'news-7d9-abcde', '-n', 'news', '-c', 'app', '--tail', '2');
    expect(tail.out).toBe('line 2\nline 3\n');
  });

  it('filters events by field selector', async () => {
    const ev = await kubectl(
      'get',
      'events',
      '-n',
      'news',
      '--field-selector',
      'involvedObject.name=news-7d9-abcde',
    );
    expect(ev.out).toContain('BackOff');
    expect(ev.out).not.toContain('Started container web');
  });

  it('refuses secrets (not served) and writes (forbidden)', async () => {
    const s = await kubectl('get', 'secrets', '-n', 'news');
    expect(s.code).not.toBe(0);
    expect(s.err).toContain('the server doesn\'t have a resource type "secrets"');
    const del = await kubectl('delete', 'pod', 'web-1', '-n', 'news');
    expect(del.code).not.toBe(0);
    expect(del.err).toContain(
      'pods "web-1" is forbidden: User "system:serviceaccount:deckhand:deckhand" cannot delete resource "pods"',
    );
    expect(cluster.get('v1', 'Pod', 'news', 'web-1')).toBeDefined();
  });
});

describe('@kubernetes/client-node against the sandbox', () => {
  it('lists with label and field selectors and reads logs', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const web = await core.listNamespacedPod({
      namespace: 'news',
      labelSelector: 'app in (news,web),tier!=db',
    });
    expect(web.items.map((p) => p.metadata?.name).sort()).toEqual(['news-7d9-abcde', 'web-1']);
    const onNode = await core.listPodForAllNamespaces({
      fieldSelector: 'spec.nodeName=node-1,metadata.name!=web-1',
    });
    expect(onNode.items.map((p) => p.metadata?.name)).toEqual(['news-7d9-abcde']);
    expect(
      await core.readNamespacedPodLog({
        namespace: 'news',
        name: 'news-7d9-abcde',
        container: 'app',
        previous: true,
      }),
    ).toContain('OutOfMemoryError');
    await expect(
      core.readNamespacedPodLog({ namespace: 'news', name: 'news-7d9-abcde' }),
    ).rejects.toMatchObject({ code: 400 });
    await expect(core.readNamespacedPod({ namespace: 'news', name: 'ghost' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('watches: a change in the world arrives as an event', async () => {
    const events: string[] = [];
    let arrived!: () => void;
    const done = new Promise<void>((resolve) => (arrived = resolve));
    // The watch promise settles once the server has answered: from then on no change is missed.
    const abort = await new Watch(kc).watch(
      '/api/v1/namespaces/news/pods',
      { resourceVersion: cluster.resourceVersion },
      (type, obj: { metadata: { name: string } }) => {
        events.push(`${type} ${obj.metadata.name}`);
        arrived();
      },
      () => arrived(),
    );
    cluster.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-2', namespace: 'news' } });
    await done;
    abort.abort();
    expect(events).toEqual(['ADDED web-2']);
  });

  it('creates and renews a Lease, refusing a stale update and a second create', async () => {
    const coord = kc.makeApiClient(CoordinationV1Api);
    const body = {
      metadata: { name: 'deckhand-leader', namespace: 'deckhand' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    };
    const created = await coord.createNamespacedLease({ namespace: 'deckhand', body });
    await expect(coord.createNamespacedLease({ namespace: 'deckhand', body })).rejects.toMatchObject({
      code: 409,
    });
    const renewed = await coord.replaceNamespacedLease({
      namespace: 'deckhand',
      name: 'deckhand-leader',
      body: { ...created, spec: { ...created.spec, holderIdentity: 'a' } },
    });
    expect(renewed.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    await expect(
      coord.replaceNamespacedLease({
        namespace: 'deckhand',
        name: 'deckhand-leader',
        body: { ...created, spec: { holderIdentity: 'b' } },
      }),
    ).rejects.toMatchObject({ code: 409 });
  });

  it('answers bad tokens, malformed selectors and unknown paths as the API server does, and keeps running', async () => {
    const bad = new KubeConfig();
    bad.loadFromString(kubeconfigFor(url, 'wrong-token', 'lab'));
    await expect(bad.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'news' })).rejects.toMatchObject(
      { code: 401 },
    );
    const core = kc.makeApiClient(CoreV1Api);
    await expect(
      core.listNamespacedPod({ namespace: 'news', labelSelector: 'app in (' }),
    ).rejects.toMatchObject({ code: 400 });
    expect((await core.listNamespacedPod({ namespace: 'news' })).items).toHaveLength(2);
  });

  it('goes down and up with the fault knob', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await server.down();
    await expect(core.listNamespacedPod({ namespace: 'news' })).rejects.toThrow();
    await server.up();
    expect((await core.listNamespacedPod({ namespace: 'news' })).items).toHaveLength(2);
  });
});
