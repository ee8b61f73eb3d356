/**
 * Missing data is never evidence. Each rule states the inputs it needs; a rule whose input could
 * not be read does not run (a pod list that timed out is not "no pods"), the failure modes it
 * would have checked are reported as unassessed, and a finding that one of them could explain is
 * not named the root cause. The inputs are what the collector reads, named by the gaps it records.
 */
import type { AppSnapshot } from '../../k8s/index.ts';
import type { Category } from './types.ts';

export type Input =
  | 'pods'
  | 'events'
  | 'deployments'
  | 'statefulsets'
  | 'daemonsets'
  | 'replicasets'
  | 'jobs'
  | 'services'
  | 'endpoints'
  | 'hpas'
  | 'pvcs'
  | 'quotas'
  | 'nodes'
  | 'tree'
  | 'appEvents'
  | 'managed';

const KUBE: Input[] = [
  'pods',
  'events',
  'deployments',
  'statefulsets',
  'daemonsets',
  'replicasets',
  'jobs',
  'services',
  'endpoints',
  'hpas',
  'pvcs',
  'quotas',
  'nodes',
];

/** What each rule needs, and the failure modes it checks. */
export const RULE_INPUTS = {
  oom: { needs: ['pods'], finds: ['OOMKilled'] },
  crashLoop: { needs: ['pods'], finds: ['CrashLoopBackOff'] },
  imagePull: { needs: ['pods'], finds: ['ImagePullError'] },
  configError: { needs: ['pods'], finds: ['ContainerConfigError'] },
  initContainer: { needs: ['pods'], finds: ['InitContainerFailure'] },
  probe: { needs: ['pods', 'events'], finds: ['ProbeFailure'] },
  unschedulable: { needs: ['pods'], finds: ['Unschedulable'] },
  volume: { needs: ['pvcs'], finds: ['VolumePending'] },
  node: { needs: ['pods', 'nodes'], finds: ['NodeNotReady'] },
  evicted: { needs: ['pods'], finds: ['Evicted'] },
  progressDeadline: { needs: ['deployments'], finds: ['ProgressDeadlineExceeded'] },
  quota: { needs: ['quotas', 'replicasets'], finds: ['QuotaExceeded'] },
  job: { needs: ['jobs', 'pods'], finds: ['JobFailed'] },
  autoscaler: { needs: ['hpas'], finds: ['AutoscalerLimited'] },
  syncFailed: { needs: [], finds: ['SyncFailed'] },
  syncStuck: { needs: [], finds: ['SyncStuck'] },
  comparison: { needs: [], finds: ['ComparisonError'] },
  outOfSync: { needs: [], finds: ['OutOfSync'] },
  service: { needs: ['services', 'endpoints', 'pods'], finds: ['ServiceNoEndpoints'] },
  // Argo CD's summary of pods and Deployments, read only where the cluster's own objects are not.
  tree: { needs: ['tree'], finds: [] },
} satisfies Record<string, { needs: Input[]; finds: Category[] }>;

export type RuleName = keyof typeof RULE_INPUTS;

/** Where each input comes from, for people: "Kubernetes pods", "Argo CD's resource tree". */
export const INPUT_WORDS: Record<Input, string> = {
  pods: 'Kubernetes pods',
  events: 'Kubernetes events',
  deployments: 'Kubernetes Deployments',
  statefulsets: 'Kubernetes StatefulSets',
  daemonsets: 'Kubernetes DaemonSets',
  replicasets: 'Kubernetes ReplicaSets',
  jobs: 'Kubernetes Jobs',
  services: 'Kubernetes Services',
  endpoints: 'Kubernetes Endpoints',
  hpas: 'Kubernetes autoscalers',
  pvcs: 'Kubernetes volume claims',
  quotas: 'Kubernetes resource quotas',
  nodes: 'Kubernetes nodes',
  tree: "Argo CD's resource tree",
  appEvents: "Argo CD's events",
  managed: "Argo CD's diff (managed resources)",
};

/** The inputs a snapshot could not read, from the gaps the collector recorded. */
export function unreadable(s: AppSnapshot): Set<Input> {
  const out = new Set<Input>();
  for (const g of s.gaps) {
    if (g.source === 'cluster') KUBE.forEach((k) => out.add(k));
    else if (g.source === 'argocd:resource-tree') out.add('tree');
    else if (g.source === 'argocd:events') out.add('appEvents');
    else if (g.source === 'argocd:managed-resources') out.add('managed');
    else if (g.source === 'kubernetes:nodes') out.add('nodes');
    else {
      const kind = /^kubernetes:([a-z]+)\//.exec(g.source)?.[1] as Input | undefined;
      if (kind && KUBE.includes(kind)) out.add(kind);
    }
  }
  return out;
}
