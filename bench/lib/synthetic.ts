/**
 * Synthetic worlds for benchmarks: many applications shaped like the ones Argo CD returns (the
 * demo's naver-news is the model), spread over instances, most Synced/Healthy and some not.
 */
import { writeFileSync } from 'node:fs';

const HEALTH = ['Healthy', 'Healthy', 'Healthy', 'Healthy', 'Healthy', 'Healthy', 'Progressing', 'Degraded'];
const SYNC = ['Synced', 'Synced', 'Synced', 'Synced', 'Synced', 'OutOfSync'];

const sha = (i: number, salt: number) =>
  ((i * 2654435761 + salt * 40503) >>> 0).toString(16).padStart(8, '0').repeat(5).slice(0, 40);

export function syntheticApp(i: number, instance: string) {
  const name = `svc-${String(i).padStart(5, '0')}`;
  const team = `team-${i % 40}`;
  const revision = sha(i, 1);
  const health = HEALTH[i % HEALTH.length] as string;
  const at = new Date(Date.UTC(2026, 10, 24, 8, 0, 0) - (i % 1440) * 60_000)
    .toISOString()
    .replace('.000Z', 'Z');
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: 'argocd',
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      labels: { team, tier: i % 3 === 0 ? 'backend' : 'frontend', instance },
      annotations: { 'notifications.argoproj.io/subscribe.on-sync-failed.slack': `${team}-alerts` },
      creationTimestamp: '2026-01-05T10:00:00Z',
    },
    spec: {
      project: team,
      source: {
        repoURL: `https://github.com/example/${team}-deploy`,
        path: `apps/${name}/overlays/prod`,
        targetRevision: 'main',
      },
      destination: { server: 'https://kubernetes.default.svc', namespace: name },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    },
    status: {
      sync: {
        status: SYNC[i % SYNC.length],
        revision,
        comparedTo: { source: { repoURL: `https://github.com/example/${team}-deploy` }, destination: {} },
      },
      health:
        health === 'Degraded'
          ? { status: health, message: 'Deployment has timed out progressing.' }
          : { status: health },
      summary: { images: [`ghcr.io/example/${name}:1.${i % 30}.${i % 7}`] },
      history: [0, 1, 2].map((h) => ({
        id: h,
        revision: sha(i, 3 - h),
        deployedAt: at,
        source: { repoURL: `https://github.com/example/${team}-deploy` },
      })),
      operationState: {
        operation: { sync: { revision }, initiatedBy: { automated: true } },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt: at,
        finishedAt: at,
      },
      resources: ['Service', 'Deployment', 'ConfigMap'].map((kind) => ({
        group: kind === 'Deployment' ? 'apps' : '',
        version: 'v1',
        kind,
        namespace: name,
        name,
        status: 'Synced',
        ...(kind === 'ConfigMap' ? {} : { health: { status: kind === 'Deployment' ? health : 'Healthy' } }),
      })),
      reconciledAt: at,
      sourceType: 'Kustomize',
    },
  };
}

/** A scenario with `perInstance` apps on each of `instances` Argo CD instances. */
export function syntheticScenario(opts: { instances: number; perInstance: number }): string {
  const argocd = Array.from({ length: opts.instances }, (_, k) => {
    const name = opts.instances === 1 ? 'default' : `argo-${k + 1}`;
    return {
      name,
      applications: Array.from({ length: opts.perInstance }, (_, i) =>
        syntheticApp(k * opts.perInstance + i, name),
      ),
    };
  });
  // JSON is YAML too, and far cheaper to write for megabytes of applications.
  return JSON.stringify({
    apiVersion: 'deckhand.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: `synthetic-${opts.instances}x${opts.perInstance}` },
    now: '2026-11-24T09:00:00Z',
    argocd,
    clusters: [{ name: 'in-cluster', server: 'https://kubernetes.default.svc' }],
  });
}

// `node bench/lib/synthetic.ts <file> <instances> <per instance>`: write one without holding it here.
if (import.meta.main) {
  const [file, instances, perInstance] = process.argv.slice(2);
  writeFileSync(
    file as string,
    syntheticScenario({ instances: Number(instances), perInstance: Number(perInstance) }),
  );
}
