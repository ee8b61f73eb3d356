import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../scenario.ts';
import type { Any, Obj } from './world.ts';

// A story beside config/scenarios/, so that it reads the demo's Git repository (demo/infra, demo/history.yaml).
const FILE = join(import.meta.dirname, '..', '..', '..', 'config', 'scenarios', 'from-git.yaml');

const story = (apps: string) => `
apiVersion: deckhand.dev/v1alpha1
kind: Story
metadata: { name: from-git }
now: 2026-08-24T10:00:00Z
repo: https://github.com/sijunkim/infra
git: { files: demo/infra, history: demo/history.yaml }
nodes:
  - { name: homelab-1, ip: 192.168.0.101, controlPlane: true }
  - { name: homelab-2, ip: 192.168.0.102 }
namespaces: [mysql, naver-news]
apps:
${apps}`;

const apps = `
  - name: mysql
    namespace: mysql
    path: k8s/apps/mysql
    history: [{ commit: HEAD~22, age: 62d }, { commit: HEAD~19, age: 28d }]
    fromGit:
      StatefulSet/mysql: { pods: [{ created: 28d, node: homelab-1 }] }
  - name: naver-news
    namespace: naver-news
    path: k8s/apps/naver-news
    history:
      - { commit: HEAD~21, age: 45d }
      - { commit: HEAD~7, age: 3d }
      - { commit: HEAD~1, age: 31m }
    fromGit:
      Deployment/naver-news:
        progress: deadline
        pods:
          - created: 30m
            node: homelab-2
            state: { is: crash-looping, restarts: 7, backoff: 5m0s, last: { reason: OOMKilled, exitCode: 137, finished: 3m } }
        previousPods: [{ created: 3d, node: homelab-1 }]
`;

const objects = (s: ReturnType<typeof parseScenario>) => s.clusters[0]?.objects ?? [];
const find = (s: ReturnType<typeof parseScenario>, kind: string, name: string) =>
  objects(s).find((o) => o.kind === kind && o.metadata.name === name) as Obj;

describe('workloads a story takes from its Git repository', () => {
  it('builds them as the synced commits said, and computes the apps’ health from them', () => {
    const s = parseScenario(story(apps), FILE);
    const news = find(s, 'Deployment', 'naver-news');
    // HEAD~1 cut the limit to 512Mi: the Deployment runs what Git said at the last sync.
    expect(news.spec.template.spec.containers[0].resources.limits.memory).toBe('512Mi');
    const sets = objects(s).filter((o) => o.kind === 'ReplicaSet');
    expect(sets.map((rs: Any) => rs.spec.replicas)).toEqual([0, 1, 1]);
    const mysql = find(s, 'StatefulSet', 'mysql');
    expect(mysql.metadata.labels).toMatchObject({ 'app.kubernetes.io/instance': 'mysql' });
    expect(find(s, 'PersistentVolumeClaim', 'data-mysql-0').status).toMatchObject({ phase: 'Bound' });
    expect(objects(s).filter((o) => o.kind === 'PersistentVolume')).toHaveLength(1);
    // The rest of what the last sync applied: the headless Service with its Endpoints, the ConfigMap.
    expect(find(s, 'Service', 'mysql').spec).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    const endpoints = find(s, 'Endpoints', 'mysql');
    expect(endpoints.subsets[0].addresses.map((x: Any) => x.targetRef.name)).toEqual(['mysql-0']);
    expect(endpoints.subsets[0].ports).toEqual([{ name: 'mysql', port: 3306, protocol: 'TCP' }]);
    expect(find(s, 'ConfigMap', 'mysql-config').data).toHaveProperty(['homelab.cnf']);
    // naver-news' new pod is not ready: its Service sends nothing to it.
    expect(find(s, 'Endpoints', 'naver-news').subsets[0]).toMatchObject({
      notReadyAddresses: [expect.objectContaining({ nodeName: 'homelab-2' })],
    });
    const health = Object.fromEntries(
      (s.argocd[0]?.applications ?? []).map((a: Any) => [a.metadata.name, a.status.health.status]),
    );
    expect(health).toEqual({ mysql: 'Healthy', 'naver-news': 'Degraded' });
    const history = (s.argocd[0]?.applications[1] as Any).status.history;
    expect(history.map((h: Any) => h.revision)).toEqual(['HEAD~21', 'HEAD~7', 'HEAD~1']);
  });

  it('says where a workload is not what the syncs applied', () => {
    const wrong = apps.replace('StatefulSet/mysql', 'StatefulSet/mariadb');
    expect(() => parseScenario(story(wrong), FILE)).toThrow(ScenarioError);
    expect(() => parseScenario(story(wrong), FILE)).toThrow(
      /apps\.0\.fromGit\.StatefulSet\/mariadb: no sync/,
    );
    const early = apps.replace('HEAD~22', 'HEAD~40');
    expect(() => parseScenario(story(early), FILE)).toThrow(/apps\.0\.history\.0\.commit: HEAD~40/);
  });
});
