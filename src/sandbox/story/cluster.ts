/**
 * Cluster-scoped objects of a story: Namespaces and Nodes (healthy, or lost: the kubelet stopped
 * posting status, so the node controller set every condition Unknown and tainted it unreachable).
 * More cluster-scoped kinds (PersistentVolumes, CRDs) belong in files of their own beside this one.
 */
import type { NodeInput } from './schema.ts';
import type { Obj, StoryWorld } from './world.ts';

export function namespace(w: StoryWorld, name: string): Obj {
  return w.add({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...w.meta('Namespace', name, undefined, '90d'),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  });
}

const FINE = [
  ['MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
] as const;

function conditions(w: StoryWorld, lostFor: string | undefined) {
  // The last heartbeat: a few seconds ago, or a moment before the node was lost.
  const beat = lostFor ? w.at(`${Number(lostFor.slice(0, -1)) + 1}${lostFor.slice(-1)}`) : w.at('12s');
  if (lostFor)
    return [...FINE.map(([type]) => type), 'Ready'].map((type) => ({
      type,
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: beat,
      lastTransitionTime: w.at(lostFor),
    }));
  const since = w.at('41d');
  return [
    ...FINE.map(([type, reason, message]) => ({
      type,
      status: 'False',
      reason,
      message,
      lastHeartbeatTime: beat,
      lastTransitionTime: since,
    })),
    {
      type: 'Ready',
      status: 'True',
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status',
      lastHeartbeatTime: beat,
      lastTransitionTime: since,
    },
  ];
}

export function node(w: StoryWorld, d: Omit<NodeInput, 'events'>): Obj {
  const ip = w.hostIp(d.name);
  const capacity = { cpu: d.cpu, memory: d.memory, pods: '110', 'ephemeral-storage': '102400Mi' };
  const unreachable = (effect: string) => ({
    key: 'node.kubernetes.io/unreachable',
    effect,
    timeAdded: w.at(d.lostFor as string),
  });
  return w.add({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...w.meta('Node', d.name, undefined, '120d'),
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': d.name,
        'kubernetes.io/os': 'linux',
      },
    },
    spec: {
      podCIDR: w.podCidr(d.name),
      ...(d.lostFor ? { taints: [unreachable('NoSchedule'), unreachable('NoExecute')] } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: d.name },
      ],
      conditions: conditions(w, d.lostFor),
      nodeInfo: { kubeletVersion: 'v1.33.1', containerRuntimeVersion: 'containerd://2.0.5' },
    },
  });
}
