/**
 * The demo world must hang together the way a real one does: references resolve, Git and the
 * cluster agree (except where the story says they do not), the broken apps show exactly their
 * failure signals, the healthy ones none, and the simulation would keep the healthy ones healthy.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/clock.ts';
import { applyValues, mergeValues } from '../src/sandbox/reconciler/helm-values.ts';
import { build, type Manifest, type RepoFiles } from '../src/sandbox/reconciler/kustomize.ts';
import { bytes } from '../src/sandbox/reconciler/quantity.ts';
import { Rollouts, templateHash } from '../src/sandbox/reconciler/rollout.ts';
import { parseScenario, type Scenario } from '../src/sandbox/scenario.ts';
import { SimulationSchema, simulationView } from '../src/sandbox/simulation.ts';
import { World, type ClusterState } from '../src/sandbox/world.ts';
import { eventually } from './support/wait.ts';

// Scenario objects are free-form API JSON.
type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const file = join(import.meta.dirname, '..', 'config', 'scenarios', 'demo.yaml');
const text = readFileSync(file, 'utf8');

const BROKEN = [
  'naver-news',
  'flash-api-prod',
  'flash-pay-worker-staging',
  'flash-web-prod',
  'flash-gateway-staging',
];

let scenario: Scenario;
let apps: Any[];
let objects: Any[];
let logs: Record<string, string>;
let files: Record<string, string>;

beforeAll(() => {
  scenario = parseScenario(text, file);
  apps = scenario.argocd[0]?.applications as Any[];
  objects = scenario.clusters[0]?.objects as Any[];
  logs = scenario.clusters[0]?.logs as Record<string, string>;
  files = scenario.git[0]?.files as Record<string, string>;
});

const app = (name: string): Any => {
  const a = apps.find((x) => x.metadata.name === name);
  if (!a) throw new Error(`no app ${name}`);
  return a;
};
const ofKind = (kind: string, namespace?: string): Any[] =>
  objects.filter((o) => o.kind === kind && (namespace === undefined || o.metadata.namespace === namespace));
const byUid = () => new Map(objects.map((o) => [o.metadata.uid, o]));

const repo = (): RepoFiles => ({
  read: (p) => files[p.replace(/^\.?\/+/, '')],
  list: (dir) => {
    const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
    return [
      ...new Set(
        Object.keys(files)
          .filter((f) => f.startsWith(prefix))
          .map((f) => f.slice(prefix.length).split('/')[0] as string),
      ),
    ];
  },
});

/** The object an owner chain ends at (a Deployment, a StatefulSet's custom resource, …). */
function rootOf(o: Any, index: Map<string, Any>): Any {
  const ref = o.metadata.ownerReferences?.[0];
  const parent = ref && index.get(ref.uid);
  return parent ? rootOf(parent, index) : o;
}

/** The pods an app runs: those whose owner chain ends at one of its managed objects. */
function podsOf(name: string): Any[] {
  const index = byUid();
  return ofKind('Pod').filter(
    (p) => rootOf(p, index).metadata.labels?.['app.kubernetes.io/instance'] === name,
  );
}

const live = (kind: string, ns: string, name: string): Any =>
  objects.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

describe('the demo scenario', () => {
  it('parses, with a moment to be read against and one Argo CD instance, cluster and repository', () => {
    expect(scenario.metadata.name).toBe('demo');
    expect(scenario.now).toBeDefined();
    expect(scenario.argocd.map((i) => [i.name, i.url])).toEqual([['default', 'https://argocd.sijunkim.dev']]);
    expect(scenario.clusters.map((c) => [c.name, c.server])).toEqual([
      ['in-cluster', 'https://kubernetes.default.svc'],
    ]);
    expect(scenario.git.map((g) => g.url)).toEqual(['https://github.com/sijunkim/infra']);
    expect(ofKind('Node')).toHaveLength(3);
    expect(apps.map((a) => a.metadata.name)).toEqual(
      expect.arrayContaining([
        'root-app',
        'naver-news',
        'friend-app',
        'mysql',
        'kube-prometheus-stack',
        'grafana',
      ]),
    );
    for (const svc of ['flash-api', 'flash-gateway', 'flash-pay-worker', 'flash-web'])
      for (const env of ['dev', 'staging', 'prod']) {
        const a = app(`${svc}-${env}`);
        expect(a.spec.project).toBe('flash-tickets');
        expect(a.spec.destination.namespace).toBe(`flash-${env}`);
      }
  });

  it('has the Git repository kept as data in config/scenarios/demo/ (files at the head, patches before)', () => {
    const story = [
      'apiVersion: deckhand.dev/v1alpha1',
      'kind: Story',
      'metadata: { name: demo-git }',
      'now: 2026-08-24T10:00:00Z',
      'repo: https://github.com/sijunkim/infra',
      'git: { branch: master, files: demo/infra, history: demo/history.yaml }',
    ].join('\n');
    // The demo adds its CI to the same repository.
    const ci = { checks: [{ name: 'validate', seconds: 5, conclusion: 'success' }] };
    expect(parseScenario(story, join(dirname(file), 'demo-git.yaml')).git.map((g) => ({ ...g, ci }))).toEqual(
      scenario.git,
    );
  });

  it('gives every object a unique uid, and every owner reference and event resolves to one', () => {
    const uids = objects.map((o) => o.metadata.uid);
    expect(uids.every((u) => typeof u === 'string')).toBe(true);
    expect(new Set(uids).size).toBe(uids.length);
    const index = byUid();
    for (const o of objects)
      for (const ref of o.metadata.ownerReferences ?? []) {
        const owner = index.get(ref.uid);
        expect(owner, `${o.kind}/${o.metadata.name} → ${ref.kind}/${ref.name}`).toBeDefined();
        expect([owner.kind, owner.metadata.name]).toEqual([ref.kind, ref.name]);
      }
    const appUids = new Map(apps.map((a) => [a.metadata.uid, a]));
    for (const e of ofKind('Event')) {
      const about = index.get(e.involvedObject.uid) ?? appUids.get(e.involvedObject.uid);
      expect(about, `${e.reason} about ${e.involvedObject.kind}/${e.involvedObject.name}`).toBeDefined();
      expect(about.metadata.name).toBe(e.involvedObject.name);
    }
    for (const ep of ofKind('Endpoints'))
      for (const s of ep.subsets)
        for (const a of [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])])
          expect(index.get(a.targetRef.uid)?.status.podIP).toBe(a.ip);
  });

  it('gives every Service Endpoints that list exactly the pods its selector matches', () => {
    for (const svc of ofKind('Service')) {
      const ns = svc.metadata.namespace;
      const ep = live('Endpoints', ns, svc.metadata.name);
      expect(ep, `${ns}/${svc.metadata.name}`).toBeDefined();
      const listed = ep.subsets
        .flatMap((s: Any) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])])
        .map((a: Any) => a.targetRef.name)
        .sort();
      const selected = ofKind('Pod', ns)
        .filter((p) => Object.entries(svc.spec.selector).every(([k, v]) => p.metadata.labels?.[k] === v))
        .map((p) => p.metadata.name)
        .sort();
      expect(selected.length, `${ns}/${svc.metadata.name}`).toBeGreaterThan(0);
      expect(listed).toEqual(selected);
    }
  });

  it('runs every pod on a node that exists, in a namespace that exists', () => {
    const nodes = new Set(ofKind('Node').map((n) => n.metadata.name));
    const namespaces = new Set(ofKind('Namespace').map((n) => n.metadata.name));
    const pods = ofKind('Pod');
    expect(pods.length).toBeGreaterThan(25);
    for (const p of pods) {
      expect(nodes.has(p.spec.nodeName), p.metadata.name).toBe(true);
      expect(namespaces.has(p.metadata.namespace), p.metadata.name).toBe(true);
    }
    for (const a of apps) expect(namespaces.has(a.spec.destination.namespace), a.metadata.name).toBe(true);
  });

  it('deploys every app to a known cluster from a source that exists', () => {
    const servers = new Set(scenario.clusters.map((c) => c.server));
    for (const a of apps) {
      expect(servers.has(a.spec.destination.server), a.metadata.name).toBe(true);
      const src = a.spec.source;
      if (src.chart) {
        expect(src.repoURL).toBe('https://prometheus-community.github.io/helm-charts');
        continue;
      }
      expect(src.repoURL).toBe(scenario.git[0]?.url);
      const inside = Object.keys(files).filter((f) => f.startsWith(`${src.path}/`));
      if (a.status.sourceType === 'Kustomize') expect(files[`${src.path}/kustomization.yaml`]).toBeDefined();
      if (a.status.sourceType === 'Helm') {
        expect(files[`${src.path}/Chart.yaml`]).toBeDefined();
        for (const v of src.helm.valueFiles) expect(files[`${src.path}/${v}`]).toBeDefined();
      }
      if (a.status.sourceType === 'Directory') expect(inside.some((f) => f.endsWith('.yaml'))).toBe(true);
    }
  });

  it('keeps each Application manifest in Git the same as the Application Argo CD shows', () => {
    const root = app('root-app');
    const inGit = build(repo(), root.spec.source.path, { recurse: true }).filter(
      (m) => m.kind === 'Application',
    );
    expect(inGit.map((m) => m.metadata.name).sort()).toEqual(
      apps
        .map((a) => a.metadata.name)
        .filter((n) => n !== 'root-app')
        .sort(),
    );
    for (const m of [...inGit, parse(files['argocd/root-app.yaml'] as string) as Manifest]) {
      const a = app(m.metadata.name);
      expect(a.spec, m.metadata.name).toEqual((m as Any).spec);
    }
    // root-app manages exactly those (and the AppProject).
    expect(root.status.resources.map((r: Any) => `${r.kind}/${r.name}`).sort()).toEqual(
      [...inGit.map((m) => `Application/${m.metadata.name}`), 'AppProject/flash-tickets'].sort(),
    );
  });

  it('tells a Git history that ends exactly at the files, with revisions that resolve within it', () => {
    const history = scenario.git[0]?.history ?? [];
    expect(history.length).toBeGreaterThan(10);
    const tree: Record<string, string> = {};
    let last = 0;
    for (const c of history) {
      const t = Date.parse(c.date as string);
      expect(t).toBeGreaterThan(last);
      last = t;
      for (const [p, content] of Object.entries(c.files))
        if (content === null) delete tree[p];
        else tree[p] = content;
    }
    expect(tree).toEqual(files);
    expect(last).toBeLessThan(Date.parse(scenario.now as string));
    const revisions = apps.flatMap((a) =>
      a.spec.source.chart
        ? []
        : [
            a.status.sync.revision,
            a.status.operationState.syncResult.revision,
            a.status.operationState.operation.sync.revision,
            ...a.status.history.map((h: Any) => h.revision),
          ],
    );
    for (const r of revisions) {
      const m = /^HEAD(?:~(\d+))?$/.exec(r);
      expect(m, r).not.toBeNull();
      expect(Number(m?.[1] ?? 0)).toBeLessThan(history.length);
    }
  });

  it('has nothing happen after now, and history ids that increase with time', () => {
    const now = Date.parse(scenario.now as string);
    const times: [string, string][] = [];
    const walk = (v: unknown, key: string, where: string) => {
      if (typeof v === 'string' && /(Time|Timestamp|At)$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(v))
        times.push([where, v]);
      else if (Array.isArray(v)) v.forEach((x) => walk(x, key, where));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, where);
    };
    for (const o of [...objects, ...apps]) walk(o, '', `${o.kind}/${o.metadata.name}`);
    expect(times.length).toBeGreaterThan(500);
    for (const [where, t] of times) expect(Date.parse(t), `${where} ${t}`).toBeLessThanOrEqual(now);
    for (const a of apps) {
      const h = a.status.history as Any[];
      expect(h.length, a.metadata.name).toBeGreaterThan(0);
      for (let i = 1; i < h.length; i++) {
        expect(h[i].id).toBeGreaterThan(h[i - 1].id);
        expect(Date.parse(h[i].deployedAt)).toBeGreaterThan(Date.parse(h[i - 1].deployedAt));
      }
      expect(Date.parse(a.metadata.creationTimestamp)).toBeLessThan(Date.parse(h[0].deployedAt));
    }
  });

  it('runs what Git says — except the drift and the failed sync — and the newest ReplicaSet is the one Git builds', () => {
    const differs: string[] = [];
    for (const a of apps.filter((x) => x.status.sourceType === 'Kustomize')) {
      for (const m of build(repo(), a.spec.source.path)) {
        if (!['Deployment', 'StatefulSet'].includes(m.kind)) continue;
        const ns = m.metadata.namespace ?? a.spec.destination.namespace;
        const o = live(m.kind, ns, m.metadata.name);
        expect(o, `${a.metadata.name}: ${m.kind}/${m.metadata.name}`).toBeDefined();
        const want = m.spec as Any;
        if (
          JSON.stringify(o.spec.template) !== JSON.stringify(want.template) ||
          o.spec.replicas !== want.replicas
        )
          differs.push(`${a.metadata.name}:${o.spec.replicas}/${want.replicas}`);
        if (m.kind !== 'Deployment' || a.metadata.name === 'flash-gateway-staging') continue;
        const sets = ofKind('ReplicaSet', ns).filter(
          (rs) => rs.metadata.ownerReferences[0].uid === o.metadata.uid,
        );
        const newest = sets.sort(
          (x, y) =>
            Number(y.metadata.annotations['deployment.kubernetes.io/revision']) -
            Number(x.metadata.annotations['deployment.kubernetes.io/revision']),
        )[0];
        expect(newest.metadata.labels['pod-template-hash']).toBe(templateHash(want.template));
        expect(o.metadata.annotations['deployment.kubernetes.io/revision']).toBe(
          newest.metadata.annotations['deployment.kubernetes.io/revision'],
        );
      }
    }
    expect(differs.sort()).toEqual(['flash-gateway-staging:1/1', 'flash-web-prod:4/2']);
    // grafana's chart values are what runs: applying them changes nothing.
    const grafana = app('grafana');
    const values = mergeValues([files[`${grafana.spec.source.path}/values.yaml`] as string]);
    const workloads = ofKind('Deployment', 'monitoring').filter(
      (d) => d.metadata.labels['app.kubernetes.io/instance'] === 'grafana',
    );
    expect(workloads).toHaveLength(1);
    expect(applyValues(workloads, values)).toEqual(workloads);
  });

  it('words events, waiting states, conditions and sync errors as the failure-signals corpus records them', () => {
    const corpus = JSON.parse(
      readFileSync(join(import.meta.dirname, 'contracts', 'failure-signals.json'), 'utf8'),
    ) as {
      signals: { kind: string; reason: string; messageTemplate: string }[];
    }[];
    // Go verbs become wildcards; text after three spaces in parentheses is the corpus's own note.
    const toRegExp = (template: string) => {
      const t = template.replace(/ {3}\(.*$/, '');
      if (t.startsWith('{')) return /^[\s\S]*$/;
      const body = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%[sqvd]/g, '.+');
      return new RegExp(`^${body}$`);
    };
    const templates = new Map<string, RegExp[]>();
    for (const mode of corpus)
      for (const s of mode.signals) {
        const key = `${s.kind}:${s.reason}`;
        templates.set(key, [...(templates.get(key) ?? []), toRegExp(s.messageTemplate)]);
      }
    const check = (key: string, message: string, where: string) => {
      const known = templates.get(key);
      if (!known) return 0;
      expect(
        known.some((r) => r.test(message)),
        `${where}: ${key} "${message}"`,
      ).toBe(true);
      return 1;
    };
    let checked = 0;
    for (const e of ofKind('Event')) checked += check(`event:${e.reason}`, e.message, e.metadata.name);
    for (const p of ofKind('Pod')) {
      for (const s of p.status.containerStatuses)
        if (s.state.waiting)
          checked += check(
            `waitingReason:${s.state.waiting.reason}`,
            s.state.waiting.message,
            p.metadata.name,
          );
      for (const c of p.status.conditions)
        if (c.reason) checked += check(`condition:${c.reason}`, c.message, p.metadata.name);
    }
    for (const d of ofKind('Deployment'))
      for (const c of d.status.conditions)
        checked += check(`condition:${c.reason}`, c.message, d.metadata.name);
    for (const a of apps) {
      const op = a.status.operationState;
      checked += check(`argoCondition:operationState.phase=${op.phase}`, op.message, a.metadata.name);
      for (const c of a.status.conditions ?? [])
        checked += check(`argoCondition:${c.type}`, c.message, a.metadata.name);
      for (const r of op.syncResult.resources)
        if (r.status === 'SyncFailed')
          expect(r.message).toMatch(/^\S+ ".+" is invalid: .+: field is immutable$/);
    }
    const failed = app('flash-gateway-staging').status.operationState.message as string;
    expect(failed.replace(/ \(retried \d+ times\)\.$/, '')).toMatch(
      toRegExp('one or more objects failed to apply, reason: %s'),
    );
    expect(checked).toBeGreaterThan(60);
  });

  it('keeps logs for running containers only, and only of pods that exist', () => {
    const pods = new Map(ofKind('Pod').map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
    for (const key of Object.keys(logs)) {
      const [ns, pod, container] = key.replace(/#previous$/, '').split('/');
      const p = pods.get(`${ns}/${pod}`);
      expect(p, key).toBeDefined();
      expect(p.spec.containers.map((c: Any) => c.name)).toContain(container);
    }
    for (const p of pods.values())
      for (const s of p.status.containerStatuses) {
        const key = `${p.metadata.namespace}/${p.metadata.name}/${s.name}`;
        const ran = s.state.running || s.lastState.terminated;
        expect(logs[key] !== undefined, key).toBe(!!ran);
        expect(logs[`${key}#previous`] !== undefined, `${key}#previous`).toBe(s.restartCount > 1);
      }
  });
});

describe('the broken apps show exactly their failure', () => {
  it('naver-news: OOMKilled at its 512Mi limit, crash-looping, Degraded past the progress deadline', () => {
    const a = app('naver-news');
    expect([a.status.sync.status, a.status.health.status]).toEqual(['Synced', 'Degraded']);
    const pods = podsOf('naver-news');
    expect(pods).toHaveLength(1);
    const pod = pods[0];
    const s = pod.status.containerStatuses[0];
    expect(s.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(s.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(s.state.waiting.message).toBe(
      `back-off 5m0s restarting failed container=naver-news pod=${pod.metadata.name}_naver-news(${pod.metadata.uid})`,
    );
    expect(s.restartCount).toBeGreaterThanOrEqual(5);
    expect(pod.spec.containers[0].resources.limits.memory).toBe('512Mi');
    expect(files['k8s/apps/naver-news/deployment.yaml']).toContain('memory: 512Mi');
    expect(parse(files['k8s/apps/naver-news/kustomization.yaml'] as string).images[0]).toEqual({
      name: 'ghcr.io/sijunkim/naver-news-spring',
      newTag: expect.stringMatching(/^master-[0-9a-f]{7}$/),
    });
    const backoff = ofKind('Event', 'naver-news').find((e) => e.reason === 'BackOff');
    expect(backoff).toMatchObject({
      type: 'Warning',
      message: `Back-off restarting failed container naver-news in pod ${pod.metadata.name}_naver-news(${pod.metadata.uid})`,
      source: { component: 'kubelet' },
    });
    expect(backoff.count).toBeGreaterThan(1);
    expect(ofKind('Event', 'naver-news').filter((e) => e.reason === 'OOMKilled')).toEqual([]);
    const dep = live('Deployment', 'naver-news', 'naver-news');
    expect(dep.status.conditions.find((c: Any) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
    });
    const key = `naver-news/${pod.metadata.name}/naver-news`;
    expect(logs[key]).toContain('Started NaverNewsApplication');
    expect(logs[`${key}#previous`]).toMatch(/Pause Full \(G1 Compaction Pause\) 38\dM->\d+M\(384M\)/);
    // The simulation agrees: the crawler needs more than 512Mi and less than 768Mi.
    const sim = simulationView(scenario.simulation);
    const need = sim.memoryNeeded('naver-news', 'naver-news') as number;
    expect(need).toBeGreaterThan(bytes('512Mi') as number);
    expect(need).toBeLessThan(bytes('768Mi') as number);
  });

  it('flash-api-prod: a tag the registry lacks, stuck in ImagePullBackOff beside the old ReplicaSet', () => {
    const a = app('flash-api-prod');
    expect([a.status.sync.status, a.status.health.status, a.status.operationState.phase]).toEqual([
      'Synced',
      'Degraded',
      'Succeeded',
    ]);
    expect(a.status.operationState.operation.initiatedBy.username).toBeDefined();
    const image = 'ghcr.io/sijunkim/flash-api:v1.15.0';
    expect(
      parse(files['flash-tickets/overlays/prod/flash-api/kustomization.yaml'] as string).images[0].newTag,
    ).toBe('v1.15.0');
    const sim = simulationView(scenario.simulation);
    expect(sim.imageExists(image)).toBe(false);
    const pods = podsOf('flash-api-prod');
    const stuck = pods.filter((p) => p.status.phase === 'Pending');
    expect(stuck).toHaveLength(1);
    // Kubelets since v1.33 add the pull's error to the back-off message.
    expect(stuck[0].status.containerStatuses[0].state.waiting).toEqual({
      reason: 'ImagePullBackOff',
      message: `Back-off pulling image "${image}": ErrImagePull: rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
    });
    const serving = pods.filter((p) => p.status.phase === 'Running');
    expect(serving).toHaveLength(3);
    for (const p of serving) {
      expect(p.status.containerStatuses[0].ready).toBe(true);
      expect(sim.imageExists(p.spec.containers[0].image)).toBe(true);
    }
    expect(new Set(pods.map((p) => p.metadata.ownerReferences[0].name)).size).toBe(2);
    const failed = ofKind('Event', 'flash-prod').find(
      (e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image'),
    );
    expect(failed.message).toBe(
      `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`,
    );
    const dep = live('Deployment', 'flash-prod', 'flash-api');
    expect(dep.status).toMatchObject({ replicas: 4, updatedReplicas: 1, availableReplicas: 3 });
    expect(dep.status.conditions.find((c: Any) => c.type === 'Progressing').reason).toBe(
      'ProgressDeadlineExceeded',
    );
  });

  it('flash-pay-worker-staging: a Secret key that does not exist, CreateContainerConfigError, still Progressing', () => {
    const a = app('flash-pay-worker-staging');
    expect([a.status.sync.status, a.status.health.status]).toEqual(['Synced', 'Progressing']);
    const message = "couldn't find key toss-secret-key in Secret flash-staging/flash-pay-secrets";
    const stuck = podsOf('flash-pay-worker-staging').filter((p) => p.status.phase === 'Pending');
    expect(stuck).toHaveLength(1);
    expect(stuck[0].status.containerStatuses[0].state.waiting).toEqual({
      reason: 'CreateContainerConfigError',
      message,
    });
    const ref = stuck[0].spec.containers[0].env.find((e: Any) => e.name === 'TOSS_SECRET_KEY').valueFrom
      .secretKeyRef;
    expect(ref).toEqual({ name: 'flash-pay-secrets', key: 'toss-secret-key' });
    expect(simulationView(scenario.simulation).secretKeyExists('flash-staging', ref.name, ref.key)).toBe(
      false,
    );
    expect(ofKind('Event', 'flash-staging').find((e) => e.message === `Error: ${message}`)).toMatchObject({
      type: 'Warning',
      reason: 'Failed',
    });
    expect(ofKind('Secret')).toEqual([]);
  });

  it('flash-web-prod: scaled by hand, OutOfSync on its Deployment, still Healthy', () => {
    const a = app('flash-web-prod');
    expect([a.status.sync.status, a.status.health.status]).toEqual(['OutOfSync', 'Healthy']);
    expect(a.status.conditions).toBeUndefined();
    expect(a.status.resources.filter((r: Any) => r.status === 'OutOfSync').map((r: Any) => r.kind)).toEqual([
      'Deployment',
    ]);
    expect(live('Deployment', 'flash-prod', 'flash-web').spec.replicas).toBe(4);
    expect(
      parse(files['flash-tickets/overlays/prod/flash-web/kustomization.yaml'] as string).replicas,
    ).toEqual([{ name: 'flash-web', count: 2 }]);
    expect(podsOf('flash-web-prod').filter((p) => p.status.containerStatuses[0].ready)).toHaveLength(4);
  });

  it('flash-gateway-staging: the last sync failed on an immutable selector, with a SyncError', () => {
    const a = app('flash-gateway-staging');
    expect([a.status.sync.status, a.status.health.status]).toEqual(['OutOfSync', 'Healthy']);
    const op = a.status.operationState;
    expect(op.phase).toBe('Failed');
    expect(op.message).toMatch(
      /^one or more objects failed to apply, reason: .*field is immutable \(retried \d+ times\)\.$/,
    );
    const failed = op.syncResult.resources.filter((r: Any) => r.status === 'SyncFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ kind: 'Deployment', name: 'flash-gateway', hookPhase: 'Failed' });
    expect(failed[0].message).toMatch(
      /^Deployment\.apps "flash-gateway" is invalid: spec\.selector: .*: field is immutable$/,
    );
    expect(a.status.conditions).toEqual([
      expect.objectContaining({
        type: 'SyncError',
        message: expect.stringMatching(/^Failed last sync attempt to \[/),
      }),
    ]);
    const liveSelector = live('Deployment', 'flash-staging', 'flash-gateway').spec.selector.matchLabels;
    expect(liveSelector.tier).toBeUndefined();
    expect(files['flash-tickets/overlays/staging/flash-gateway/tier-label.yaml']).toContain('tier: edge');
  });
});

describe('the healthy apps', () => {
  const healthy = () => apps.filter((a) => !BROKEN.includes(a.metadata.name));

  it('are Synced and Healthy after a successful sync, with no conditions', () => {
    expect(healthy().length).toBeGreaterThanOrEqual(13);
    for (const a of healthy()) {
      const s = a.status;
      expect([s.sync.status, s.health.status, s.operationState.phase], a.metadata.name).toEqual([
        'Synced',
        'Healthy',
        'Succeeded',
      ]);
      expect(s.conditions, a.metadata.name).toBeUndefined();
      for (const r of s.resources) {
        expect(r.status, `${a.metadata.name} ${r.kind}/${r.name}`).toBe('Synced');
        if (r.health) expect(r.health.status, `${a.metadata.name} ${r.kind}/${r.name}`).toBe('Healthy');
      }
    }
  });

  it('run ready pods that never restarted, with no warning events about them', () => {
    const warnings = new Set(
      ofKind('Event')
        .filter((e) => e.type === 'Warning')
        .map((e) => e.involvedObject.uid),
    );
    for (const a of healthy()) {
      if (a.metadata.name === 'root-app') continue;
      const pods = podsOf(a.metadata.name);
      expect(pods.length, a.metadata.name).toBeGreaterThan(0);
      for (const p of pods) {
        expect(p.status.phase).toBe('Running');
        for (const s of p.status.containerStatuses) {
          expect(s.ready, p.metadata.name).toBe(true);
          expect(s.restartCount).toBe(0);
          expect(s.lastState).toEqual({});
        }
        expect(warnings.has(p.metadata.uid)).toBe(false);
      }
    }
  });

  it("keeps ghcr.io's tags and the simulation's pulls in agreement", () => {
    const sim = simulationView(scenario.simulation);
    const tags = new Set(
      scenario.registries.flatMap((r) =>
        r.images.flatMap((i) => i.tags.map((t) => `${r.host}/${i.repository}:${t.tag}`)),
      ),
    );
    // Every tag the registry has pulls; every ghcr.io image a container started from is there.
    for (const t of tags) expect(sim.imageExists(t), t).toBe(true);
    const started = ofKind('Pod').flatMap((p) =>
      (p.status?.containerStatuses ?? [])
        .filter((c: Any) => c.state?.running || c.lastState?.terminated)
        .map((c: Any) => c.image as string),
    );
    const ghcr = [...new Set(started.filter((i) => i.startsWith('ghcr.io/')))];
    expect(ghcr.length).toBeGreaterThan(5);
    for (const image of ghcr) expect(tags.has(image), image).toBe(true);
    // The tag flash-api-prod cannot pull is not there.
    expect(tags.has('ghcr.io/sijunkim/flash-api:v1.15.0')).toBe(false);
  });

  it('would stay healthy under the simulation: images exist, memory fits, Secret keys are there', () => {
    const sim = simulationView(SimulationSchema.parse(scenario.simulation));
    for (const a of healthy()) {
      for (const p of podsOf(a.metadata.name)) {
        const workload = rootOf(p, byUid()).metadata.name;
        for (const c of p.spec.containers) {
          expect(sim.imageExists(c.image), c.image).toBe(true);
          const need = sim.memoryNeeded(p.metadata.namespace, workload);
          const limit = bytes(c.resources?.limits?.memory);
          if (need !== undefined && limit !== undefined)
            expect(need, `${a.metadata.name}`).toBeLessThan(limit);
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref)
              expect(
                sim.secretKeyExists(p.metadata.namespace, ref.name, ref.key),
                `${ref.name}/${ref.key}`,
              ).toBe(true);
          }
        }
      }
    }
  });
});

describe('the simulation, played out by the sandbox reconciler on the demo world', () => {
  const timers = new Set<NodeJS.Timeout>();
  afterEach(() => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  });

  /** The demo cluster with the reconciler's rollouts, at 1/500 of real time. */
  function world() {
    const w = new World(parseScenario(text, file), systemClock);
    const cluster = w.cluster('in-cluster') as ClusterState;
    const rollouts = new Rollouts(cluster, simulationView(w.scenario.simulation), {
      scale: 0.002,
      setTimeout: (fn, ms) => {
        const t = setTimeout(() => {
          timers.delete(t);
          fn();
        }, ms);
        timers.add(t);
        return t;
      },
      now: () => Date.now(),
    });
    return { cluster, rollouts };
  }

  /** What an app's Git path builds to, with one Deployment edited as a pull request would. */
  function fromGit(appName: string, edit: (container: Any, spec: Any) => void = () => {}): Manifest {
    const a = app(appName);
    const m = build(repo(), a.spec.source.path).find((x) => x.kind === 'Deployment') as Manifest;
    m.metadata.namespace ??= a.spec.destination.namespace;
    const spec = m.spec as Any;
    edit(spec.template.spec.containers[0], spec);
    return m;
  }

  const podsIn = (cluster: ClusterState, ns: string, label: string): Any[] =>
    cluster.list('v1', 'Pod', ns).filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === label);

  const until = (test: () => boolean, timeoutMs = 5000) =>
    eventually('the world to get there', test, { timeoutMs, intervalMs: 5 });

  it('recognises what runs: syncing Git as it is starts no new pods', () => {
    const { cluster, rollouts } = world();
    const before = podsIn(cluster, 'naver-news', 'naver-news').map((p) => p.metadata.uid);
    rollouts.apply(fromGit('naver-news'));
    expect(podsIn(cluster, 'naver-news', 'naver-news').map((p) => p.metadata.uid)).toEqual(before);
    expect(cluster.list('apps/v1', 'ReplicaSet', 'naver-news')).toHaveLength(5);
  });

  it('runs naver-news at 768Mi: the new pod becomes ready and the crash-looping one goes', async () => {
    const { cluster, rollouts } = world();
    const old = podsIn(cluster, 'naver-news', 'naver-news')[0].metadata.name;
    rollouts.apply(fromGit('naver-news', (c) => (c.resources.limits.memory = '768Mi')));
    await until(() => {
      const pods = podsIn(cluster, 'naver-news', 'naver-news');
      return pods.length === 1 && pods[0].metadata.name !== old && pods[0].status.containerStatuses[0].ready;
    });
    const log = cluster.logs.get(
      `naver-news/${podsIn(cluster, 'naver-news', 'naver-news')[0].metadata.name}/naver-news`,
    );
    expect(log).toContain('Started NaverNewsApplication');
  });

  it('OOM-kills naver-news again at 512Mi, whatever the image', async () => {
    const { cluster, rollouts } = world();
    rollouts.apply(
      fromGit('naver-news', (c) => (c.image = 'ghcr.io/sijunkim/naver-news-spring:master-484af0a')),
    );
    await until(() =>
      podsIn(cluster, 'naver-news', 'naver-news').some(
        (p) =>
          p.status.containerStatuses[0].image.endsWith('master-484af0a') &&
          p.status.containerStatuses[0].lastState?.terminated?.reason === 'OOMKilled',
      ),
    );
  });

  it('pulls flash-api 1.15.0 in prod, but not any v-tag', async () => {
    const { cluster, rollouts } = world();
    rollouts.apply(fromGit('flash-api-prod', (c) => (c.image = 'ghcr.io/sijunkim/flash-api:1.15.0')));
    await until(
      () =>
        podsIn(cluster, 'flash-prod', 'flash-api').filter(
          (p) => p.spec.containers[0].image.endsWith(':1.15.0') && p.status.containerStatuses[0].ready,
        ).length === 3,
    );
    rollouts.apply(fromGit('flash-api-prod', (c) => (c.image = 'ghcr.io/sijunkim/flash-api:v1.15.1')));
    await until(() =>
      podsIn(cluster, 'flash-prod', 'flash-api').some(
        (p) => p.status.containerStatuses[0].state?.waiting?.reason === 'ImagePullBackOff',
      ),
    );
  });

  it('starts pay-worker in dev, which has the Toss key, and not in staging, which lacks it', async () => {
    for (const [env, reason] of [
      ['dev', undefined],
      ['staging', 'CreateContainerConfigError'],
    ] as const) {
      const { cluster, rollouts } = world();
      const edit = (c: Any) => c.env.push({ name: 'RESTARTED', value: '1' });
      rollouts.apply(fromGit(`flash-pay-worker-${env}`, edit));
      await until(() =>
        podsIn(cluster, `flash-${env}`, 'flash-pay-worker').some(
          (p) =>
            p.spec.containers[0].env.some((e: Any) => e.name === 'RESTARTED') &&
            (reason
              ? p.status.containerStatuses[0].state?.waiting?.reason === reason
              : p.status.containerStatuses[0].ready),
        ),
      );
    }
  });
});
