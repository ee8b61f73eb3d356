import { describe, expect, it } from 'vitest';
import { resourceHealth } from '../argo-api/health.ts';
import { templateHash } from '../reconciler/rollout.ts';
import { appCommits, type GitCommit } from './gitops.ts';
import { generation, steps, syncedDeployment, syncedStatefulSet, templateRevisions } from './synced.ts';
import { StoryWorld, type Obj } from './world.ts';

const app = [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  'metadata: { name: web, namespace: argocd }',
  'spec:',
  '  source: { repoURL: https://github.com/example/infra, path: web, targetRevision: HEAD }',
  '  destination: { server: https://kubernetes.default.svc, namespace: shop }',
  '',
].join('\n');
const web = (image: string, replicas: number) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web }',
    'spec:',
    `  replicas: ${replicas}`,
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web, tier: front } }',
    `    spec: { containers: [{ name: web, image: ${image}, ports: [{ containerPort: 8080 }] }] }`,
    '',
  ].join('\n');
const commit = (message: string, files: GitCommit['files']): GitCommit => ({ message, author: 'x', files });
const history = [
  commit('web 1', { 'web.yaml': app, 'web/deployment.yaml': web('web:1', 1) }),
  commit('scale', { 'web/deployment.yaml': web('web:1', 2) }),
  commit('web 2', { 'web/deployment.yaml': web('web:2', 2) }),
];
const syncs = [
  { commit: 0, age: '30d' },
  { commit: 1, age: '10d' },
  { commit: 2, age: '2h' },
];

describe('workloads as Git made them at their syncs', () => {
  // An app that is its own root: no app of apps around it.
  const [webApp] = appCommits(history, 'web.yaml', () => []);

  it('finds the revisions of a pod template and counts the specs applied', () => {
    const st = steps(webApp!.manifests, syncs, 'Deployment', 'web');
    expect(st.map((s) => s.manifest.spec.replicas)).toEqual([1, 2, 2]);
    expect(templateRevisions(st).map((s) => s.sync.age)).toEqual(['30d', '2h']);
    expect(generation(st)).toBe(3);
    expect(generation(st.slice(0, 1))).toBe(1);
  });

  it('builds the Deployment, one ReplicaSet a revision and the pods the story tells', () => {
    const w = new StoryWorld('synced', Date.parse('2026-08-24T10:00:00Z'));
    const st = steps(webApp!.manifests, syncs, 'Deployment', 'web');
    const pods = syncedDeployment(w, {
      app: 'web',
      namespace: 'shop',
      steps: st,
      pods: [
        { created: '2h', node: 'node-1', events: [] },
        { created: '2h', node: 'node-2', events: [] },
      ],
      path: 'apps.0',
    });
    const dep = w.find('Deployment', 'web', 'shop') as Obj;
    const sets = w.objects.filter((o) => o.kind === 'ReplicaSet');
    expect(dep.metadata).toMatchObject({
      creationTimestamp: '2026-07-25T10:00:00Z',
      generation: 3,
      labels: { 'app.kubernetes.io/instance': 'web' },
    });
    expect(dep.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(dep.spec.template.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    // The template as Git has it, hashed as the sandbox's reconciler hashes what it applies.
    const applied = st.at(-1)?.manifest.spec.template;
    expect(dep.spec.template).toEqual(applied);
    expect(sets.map((rs) => rs.metadata.name)).toEqual([
      expect.stringMatching(/^web-/),
      `web-${templateHash(applied)}`,
    ]);
    expect(sets.map((rs) => rs.spec.replicas)).toEqual([0, 2]);
    expect(sets[1]?.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual(['web:2', 'web:2']);
    expect(pods[0]?.spec.containers[0].ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
    expect(resourceHealth(dep)?.status).toBe('Healthy');
  });

  it('builds a StatefulSet: a ControllerRevision a template, its pods, their claims bound on their nodes', () => {
    const db = (image: string) =>
      [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        'metadata: { name: db }',
        'spec:',
        '  replicas: 2',
        '  serviceName: db',
        '  selector: { matchLabels: { app: db } }',
        '  template:',
        '    metadata: { labels: { app: db } }',
        `    spec: { containers: [{ name: db, image: ${image} }] }`,
        '  volumeClaimTemplates:',
        '    - metadata: { name: data }',
        '      spec: { accessModes: [ReadWriteOnce], storageClassName: local-path, resources: { requests: { storage: 10Gi } } }',
        '',
      ].join('\n');
    const [dbApp] = appCommits(
      [
        commit('db', { 'db.yaml': app.replace('path: web', 'path: db'), 'db/sts.yaml': db('mysql:8.0') }),
        commit('db 8.4', { 'db/sts.yaml': db('mysql:8.4') }),
      ],
      'db.yaml',
      () => [],
    );
    const w = new StoryWorld('synced', Date.parse('2026-08-24T10:00:00Z'));
    const st = steps(
      dbApp!.manifests,
      [
        { commit: 0, age: '60d' },
        { commit: 1, age: '5d' },
      ],
      'StatefulSet',
      'db',
    );
    const pods = syncedStatefulSet(w, {
      app: 'db',
      namespace: 'shop',
      steps: st,
      pods: [
        { created: '5d', node: 'node-1', events: [] },
        { created: '5d', events: [] },
      ],
      path: 'apps.0',
    });
    const sts = w.find('StatefulSet', 'db', 'shop') as Obj;
    const revisions = w.objects.filter((o) => o.kind === 'ControllerRevision');
    expect(revisions.map((r) => r.revision)).toEqual([1, 2]);
    expect(sts.status).toMatchObject({
      replicas: 2,
      readyReplicas: 1,
      updateRevision: revisions[1]?.metadata.name,
    });
    expect(sts.metadata.generation).toBe(2);
    expect(pods.map((p) => p.metadata.name)).toEqual(['db-0', 'db-1']);
    expect(pods[0]?.spec.volumes[0]).toEqual({
      name: 'data',
      persistentVolumeClaim: { claimName: 'data-db-0' },
    });
    const claims = w.objects.filter((o) => o.kind === 'PersistentVolumeClaim');
    expect(claims.map((c) => [c.metadata.name, c.status.phase])).toEqual([
      ['data-db-0', 'Bound'],
      ['data-db-1', 'Pending'],
    ]);
    expect(w.objects.filter((o) => o.kind === 'PersistentVolume')).toHaveLength(1);
    expect(resourceHealth(sts)?.status).not.toBe('Healthy');
  });
});
