import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../scenario.ts';
import { retime } from './container-logs.ts';
import type { Any } from './world.ts';

// A story beside config/scenarios/, so that it reads the demo's Git repository and charts.
const DIR = join(import.meta.dirname, '..', '..', '..', 'config', 'scenarios');
const FILE = join(DIR, 'app-of-apps.yaml');

const story = (rest = '') => `
apiVersion: deckhand.dev/v1alpha1
kind: Story
metadata: { name: app-of-apps }
now: 2026-08-24T10:00:00Z
repo: https://github.com/sijunkim/infra
git: { files: demo/infra, history: demo/history.yaml }
appOfApps: argocd/root-app.yaml
nodes: [homelab-1, homelab-2]
charts:
  grafana: { manifests: demo/charts/grafana.yaml }
  kube-prometheus-stack:
    manifests: demo/charts/kube-prometheus-stack.yaml
    operated: demo/charts/kube-prometheus-stack-operated.yaml
${rest}`;

const expand = (text: string) => parseScenario(text, FILE);
const appsOf = (s: ReturnType<typeof expand>) => (s.argocd[0]?.applications ?? []) as Any[];
const app = (s: ReturnType<typeof expand>, name: string) =>
  appsOf(s).find((a) => a.metadata.name === name) as Any;
const objects = (s: ReturnType<typeof expand>) => (s.clusters[0]?.objects ?? []) as Any[];

// The oracle: the history file itself, read without the story library — which commits touched a path.
const history = parse(readFileSync(join(DIR, 'demo', 'history.yaml'), 'utf8')) as Any[];
const touching = (...dirs: string[]) =>
  history.flatMap((c, i) => {
    const paths = [...(c.added ?? []), ...Object.keys(c.deleted ?? {})];
    const patched = [...String(c.patch ?? '').matchAll(/^\+\+\+ (\S+)/gm)].map((m) => m[1]);
    const hit = [...paths, ...patched].some((p) => dirs.some((d) => p.startsWith(d)));
    return hit ? [`HEAD~${history.length - 1 - i}`] : [];
  });

describe('a story whose apps an app of apps finds in Git', () => {
  it('has every Application in Git, deployed at each commit that changed it, healthy unless told', () => {
    const s = expand(story());
    const inGit = readFileSync(join(DIR, 'demo', 'infra', 'argocd', 'root-app.yaml'), 'utf8');
    expect(appsOf(s)[0].metadata.name).toBe(parse(inGit).metadata.name);
    expect(appsOf(s)).toHaveLength(18);
    for (const a of appsOf(s))
      expect([a.metadata.name, a.status.health.status]).toEqual([a.metadata.name, 'Healthy']);
    // naver-news: its path was touched by these commits (the first one that added it included).
    const news = app(s, 'naver-news');
    expect(news.status.history.map((h: Any) => h.revision)).toEqual(
      touching('k8s/apps/naver-news/').map((r) => (r === 'HEAD~0' ? 'HEAD' : r)),
    );
    // Each deployment follows its commit, within two minutes.
    for (const h of news.status.history) {
      const commit = history[history.length - 1 - Number(/~(\d+)/.exec(h.revision)?.[1] ?? 0)];
      const after = Date.parse(h.deployedAt) - Date.parse(commit.date);
      expect(after).toBeGreaterThan(50_000);
      expect(after).toBeLessThan(120_000);
    }
    // The Application is Git's: its project, labels and sync policy; prod syncs by hand.
    const prod = app(s, 'flash-web-prod');
    expect(prod.spec.project).toBe('flash-tickets');
    expect(prod.metadata.labels).toMatchObject({
      'flash-tickets.dev/env': 'prod',
      'app.kubernetes.io/instance': 'root-app',
    });
    expect(prod.status.history.at(-1).initiatedBy).toEqual({ username: 'admin' });
    expect(app(s, 'flash-web-dev').status.history.at(-1).initiatedBy).toEqual({ automated: true });
    // A chart from a Helm repository is deployed at its version.
    expect(app(s, 'kube-prometheus-stack').status.history.map((h: Any) => h.revision)).toEqual([
      '75.10.0',
      '75.12.0',
    ]);
    // The operator's StatefulSet is owned by the Prometheus and runs a ready pod.
    const sts = objects(s).find(
      (o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus-kube-prometheus-stack-prometheus',
    );
    expect(sts.metadata.ownerReferences[0]).toMatchObject({
      kind: 'Prometheus',
      name: 'kube-prometheus-stack-prometheus',
    });
    expect(sts.status.readyReplicas).toBe(1);
    // The app of apps manages the Applications and the AppProject.
    const kinds = new Set(appsOf(s)[0].status.resources.map((r: Any) => r.kind));
    expect(kinds).toEqual(new Set(['Application', 'AppProject']));
  });

  it('tells drift, a failing sync and who pressed Sync where the story says so', () => {
    const s = expand(
      story(`apps:
  - name: flash-web-prod
    syncedBy: sijunkim
    drift: { Deployment/flash-web: { replicas: 4, age: 40m } }
  - name: flash-gateway-staging
    failedSync:
      from: HEAD~3
      failed: [{ kind: Deployment, name: flash-gateway, message: 'spec.selector: field is immutable' }]
`),
    );
    const web = app(s, 'flash-web-prod');
    expect(web.status.sync.status).toBe('OutOfSync');
    expect(web.status.history.at(-1).initiatedBy).toEqual({ username: 'sijunkim' });
    const dep = objects(s).find(
      (o) =>
        o.kind === 'Deployment' && o.metadata.namespace === 'flash-prod' && o.metadata.name === 'flash-web',
    );
    expect([dep.spec.replicas, dep.status.readyReplicas]).toEqual([4, 4]);
    const scaled = objects(s).find(
      (o) =>
        o.kind === 'Event' && o.reason === 'ScalingReplicaSet' && o.involvedObject.uid === dep.metadata.uid,
    );
    expect(scaled.message).toMatch(/^Scaled up replica set flash-web-\w+ from 2 to 4$/);
    const gw = app(s, 'flash-gateway-staging');
    expect([gw.status.sync.status, gw.status.operationState.phase]).toEqual(['OutOfSync', 'Failed']);
    expect(gw.status.operationState.operation.sync.revision).toBe('HEAD');
    expect(gw.status.conditions[0].type).toBe('SyncError');
    // What it runs is the last commit before HEAD~3 that changed it.
    const gateway = touching(
      'flash-tickets/base/flash-gateway/',
      'flash-tickets/overlays/staging/flash-gateway/',
    );
    const before = gateway.filter((r) => Number(r.split('~')[1] ?? 0) > 3);
    expect(gw.status.history.at(-1).revision).toBe(before.at(-1));
  });

  it('says what is wrong at its place', () => {
    const bad = (rest: string, problem: RegExp) => {
      expect(() => expand(story(rest))).toThrow(ScenarioError);
      expect(() => expand(story(rest))).toThrow(problem);
    };
    bad(
      'apps: [{ name: naver-newz }]',
      /apps\.0\.name: naver-newz is not an Application the app of apps finds/,
    );
    bad(
      'apps: [{ name: flash-gateway-staging, failedSync: { from: HEAD~40, failed: [{ kind: Deployment, name: x }] } }]',
      /apps\.0\.failedSync\.from: HEAD~40/,
    );
    expect(() => expand(story().replace('demo/charts/grafana.yaml', 'demo/charts/nope.yaml'))).toThrow(
      /charts\.grafana\.manifests: demo\/charts\/nope\.yaml: no such file/,
    );
    expect(() => expand(story().replace('2026-08-24T10:00:00Z', '2026-08-24T09:00:00Z'))).toThrow(
      /is synced after the story’s now/,
    );
  });

  it('gives each container that ran its log, moved to when it started', () => {
    const s = expand(
      story(`logs:\n  flash-web: "2026-01-01T00:00:00.000Z ready\\n2026-01-01T00:00:01.500Z listening\\n"`),
    );
    const logs = s.clusters[0]?.logs ?? {};
    const pod = objects(s).find(
      (o) =>
        o.kind === 'Pod' && o.metadata.namespace === 'flash-dev' && o.metadata.name.startsWith('flash-web-'),
    );
    const started = pod.status.containerStatuses[0].state.running.startedAt as string;
    const at = Date.parse(started);
    expect(logs[`flash-dev/${pod.metadata.name}/flash-web`]).toBe(
      `${new Date(at).toISOString()} ready\n${new Date(at + 1500).toISOString()} listening\n`,
    );
  });
});

describe('retime', () => {
  it('moves every timestamp by the same amount and keeps how each is written', () => {
    const text = 'a 2026-01-01T00:00:00Z\nb 2026-01-01T00:00:02.5Z c 2026-01-01T00:00:03.123456789Z\nno time';
    expect(retime(text, Date.parse('2026-08-24T09:00:00Z'))).toBe(
      'a 2026-08-24T09:00:00Z\nb 2026-08-24T09:00:02.5Z c 2026-08-24T09:00:03.123456789Z\nno time',
    );
    expect(retime('nothing to move', 0)).toBe('nothing to move');
  });
});
