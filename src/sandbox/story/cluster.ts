/**
 * Cluster-scoped objects of a story: Namespaces and Nodes with the status a kubelet posts (healthy,
 * or lost: it stopped posting, so the node controller set every condition Unknown and tainted the
 * node unreachable). StorageClasses and volumes are in ./storage.ts, CRDs in ./applied.ts.
 */
import type { NodeInput } from './schema.ts';
import type { Obj, StoryWorld } from './world.ts';

export function namespace(w: StoryWorld, name: string, created = '90d'): Obj {
  return w.add({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...w.meta('Namespace', name, undefined, created),
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

function conditions(w: StoryWorld, d: Pick<NodeInput, 'lostFor' | 'booted'>) {
  const { lostFor } = d;
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
  const since = w.at(d.booted ?? '41d');
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

const ROLE = {
  'node-role.kubernetes.io/control-plane': '',
  'node.kubernetes.io/exclude-from-external-load-balancers': '',
};

/** What the kubelet reports of the machine (ids derived from the node's name). */
function nodeInfo(w: StoryWorld, name: string) {
  const id = (what: string) => w.uid(what, undefined, name);
  return {
    architecture: 'amd64',
    bootID: id('boot'),
    containerRuntimeVersion: 'containerd://2.0.5',
    kernelVersion: '6.8.0-71-generic',
    kubeProxyVersion: 'v1.33.1',
    kubeletVersion: 'v1.33.1',
    machineID: id('machine').replace(/-/g, ''),
    operatingSystem: 'linux',
    osImage: 'Ubuntu 24.04.2 LTS',
    systemUUID: id('system'),
  };
}

export function node(w: StoryWorld, d: Omit<NodeInput, 'events'>): Obj {
  const ip = w.hostIp(d.name, d.ip);
  const cidr = w.podCidr(d.name);
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
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': d.name,
        'kubernetes.io/os': 'linux',
        ...(d.controlPlane ? ROLE : {}),
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///var/run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: cidr,
      podCIDRs: [cidr],
      ...(d.lostFor ? { taints: [unreachable('NoSchedule'), unreachable('NoExecute')] } : {}),
    },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: ip },
        { type: 'Hostname', address: d.name },
      ],
      conditions: conditions(w, d),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: nodeInfo(w, d.name),
    },
  });
}
