/**
 * Events, with the wording, source and dedup counters the components that write them use. A story
 * names the reason (and counts and times); the message, the source, the type and the container
 * follow from the reason and the object where the cluster's wording is fixed. The kubelet's
 * sequences (a crash loop's Created/Started/BackOff, an image pull's Pulling/Failed/BackOff) are
 * derived from a container's state.
 */
import { kubeletPod, notFound, StoryProblem, type Container } from './containers.ts';
import type { EventInput } from './schema.ts';
import { hex, type Obj, type StoryWorld } from './world.ts';

const NORMAL = new Set([
  'Created',
  'Started',
  'Pulling',
  'Pulled',
  'Killing',
  'Scheduled',
  'SuccessfulRescale',
]);
const CONTAINER_REASONS = new Set([
  'Created',
  'Started',
  'BackOff',
  'Pulling',
  'Killing',
  'Unhealthy',
  'Failed',
]);

/** Who writes an event of a reason (the kubelet for the rest). */
const SOURCE: Record<string, string> = {
  FailedScheduling: 'default-scheduler',
  NodeNotReady: 'node-controller',
  FailedCreate: 'replicaset-controller',
  BackoffLimitExceeded: 'job-controller',
  SuccessfulRescale: 'horizontal-pod-autoscaler',
  ProvisioningFailed: 'persistentvolume-controller',
};

/** An Event about an object, as written (no derivation). */
export function event(
  w: StoryWorld,
  about: Obj,
  e: Omit<EventInput, 'from' | 'container' | 'probe' | 'answer'> & {
    message: string;
    component: string;
    host?: string;
    fieldPath?: string;
  },
): Obj {
  const last = e.last ?? '1m';
  const ns = about.metadata.namespace ?? 'default';
  const name = `${about.metadata.name}.${hex(`${w.seed}/${about.metadata.uid}/${e.reason}/${e.message}`, 16)}`;
  return w.add({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name,
      namespace: ns,
      uid: w.uid('Event', ns, name),
      creationTimestamp: w.at(e.first ?? last),
    },
    involvedObject: {
      apiVersion: about.apiVersion,
      kind: about.kind,
      ...(about.metadata.namespace ? { namespace: about.metadata.namespace } : {}),
      name: about.metadata.name,
      uid: about.metadata.uid,
      ...(e.fieldPath ? { fieldPath: e.fieldPath } : {}),
    },
    reason: e.reason,
    message: e.message,
    type: e.type ?? 'Warning',
    count: e.count ?? 1,
    firstTimestamp: w.at(e.first ?? last),
    lastTimestamp: w.at(last),
    source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
    reportingComponent: e.component,
    reportingInstance: e.host ?? '',
  });
}

/** What a pod's events need to know about it beyond the object. */
export interface PodView {
  pod: Obj;
  containers: Container[];
  init: Container[];
  /** The container statuses by name (init containers too). */
  statuses: Record<string, { state: { waiting?: { message?: string } } }>;
  unschedulable?: string;
}

/** The kubelet's message for an event about a container, by reason. */
function containerMessage(e: EventInput, c: Container, v: PodView): string | undefined {
  const ip = v.pod.status.podIP;
  switch (e.reason) {
    case 'Created':
      return `Created container: ${c.name}`;
    case 'Started':
      return `Started container ${c.name}`;
    case 'BackOff':
      return `Back-off restarting failed container ${c.name} in pod ${podRef(v.pod)}`;
    case 'Pulling':
      return `Pulling image "${c.image}"`;
    case 'Killing':
      return e.probe
        ? `Container ${c.name} failed ${e.probe} probe, will be restarted`
        : `Stopping container ${c.name}`;
    case 'Failed': {
      const waiting = v.statuses[c.name]?.state.waiting?.message;
      return waiting ? `Error: ${waiting}` : undefined;
    }
    case 'Unhealthy': {
      if (!e.probe) return undefined;
      const probe = `${e.probe[0]?.toUpperCase()}${e.probe.slice(1)} probe failed`;
      const path = e.probe === 'readiness' ? c.readiness : c.liveness;
      const url = `http://${ip}:${c.port}${path}`;
      if (e.answer === '503') return `${probe}: HTTP probe failed with statuscode: 503`;
      if (e.answer === 'timeout')
        return `${probe}: Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`;
      return `${probe}: Get "${url}": dial tcp ${ip}:${c.port}: connect: connection refused`;
    }
  }
  return undefined;
}

const podRef = (p: Obj) =>
  kubeletPod({ pod: p.metadata.name, namespace: p.metadata.namespace, podUid: p.metadata.uid });

/** The default message for an event about an object that is not a container. */
function objectMessage(e: EventInput, about: Obj, v?: PodView): string | undefined {
  if (e.reason === 'FailedScheduling') return v?.unschedulable;
  if (e.reason === 'NodeNotReady')
    return about.kind === 'Node'
      ? `Node ${about.metadata.name} status is now: NodeNotReady`
      : 'Node is not ready';
  if (e.reason === 'BackoffLimitExceeded') return 'Job has reached the specified backoff limit';
  return undefined;
}

/**
 * An event a story declares (at `path`) about an object (a pod: `v` says its containers), with
 * what it leaves out derived.
 */
export function storyEvent(w: StoryWorld, about: Obj, e: EventInput, v?: PodView, path = ''): void {
  const all = v ? [...v.containers, ...v.init] : [];
  const name =
    e.container ??
    (v && v.containers.length === 1 && CONTAINER_REASONS.has(e.reason) ? v.containers[0]?.name : undefined);
  const c = all.find((x) => x.name === name);
  if (name && (!v || !c))
    throw new StoryProblem(
      `${path}.container`,
      `no container ${name} in ${about.kind} ${about.metadata.name}`,
    );
  const message = e.message ?? (c && v ? containerMessage(e, c, v) : objectMessage(e, about, v));
  if (!message)
    throw new StoryProblem(`${path}.message`, `a ${e.reason} event needs its message (it cannot be derived)`);
  const component = e.from ?? SOURCE[e.reason] ?? 'kubelet';
  const host =
    component === 'kubelet'
      ? about.kind === 'Node'
        ? about.metadata.name
        : about.spec?.nodeName
      : undefined;
  const init = !!c && v?.init.includes(c);
  event(w, about, {
    reason: e.reason,
    message,
    type: e.type ?? (NORMAL.has(e.reason) ? 'Normal' : 'Warning'),
    count: e.count,
    first: e.first,
    last: e.last,
    component,
    host,
    fieldPath: c ? `spec.${init ? 'initContainers' : 'containers'}{${c.name}}` : undefined,
  });
}

/** The kubelet's crash-loop events for a container: created, started, and backed off again and again. */
export function crashEvents(w: StoryWorld, v: PodView, container: string, restarts: number, since: string) {
  for (const [reason, count, last] of [
    ['Created', restarts + 1, '3m'],
    ['Started', restarts + 1, '3m'],
    ['BackOff', restarts * 4 + 3, '20s'],
  ] as const)
    storyEvent(w, v.pod, { reason, container, count, first: since, last }, v);
}

/** The kubelet's pull/back-off cycle for an image the registry does not have (kubelet >= 1.32 wording). */
export function pullEvents(
  w: StoryWorld,
  v: PodView,
  c: Container,
  since: string,
  pulls: number,
  backoffs: number,
) {
  const steps: [string, string, 'Normal' | 'Warning', number, string][] = [
    ['Pulling', `Pulling image "${c.image}"`, 'Normal', pulls, '2m'],
    ['Failed', `Failed to pull image "${c.image}": ${notFound(c.image)}`, 'Warning', pulls, '2m'],
    ['Failed', 'Error: ErrImagePull', 'Warning', pulls, '2m'],
    ['BackOff', `Back-off pulling image "${c.image}"`, 'Normal', backoffs, '30s'],
    ['Failed', 'Error: ImagePullBackOff', 'Warning', backoffs, '30s'],
  ];
  for (const [reason, message, type, count, last] of steps)
    storyEvent(w, v.pod, { reason, message, type, container: c.name, count, first: since, last }, v);
}
