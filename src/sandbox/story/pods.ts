/**
 * Pods as the API server returns them: owner reference, conditions that follow the containers'
 * states, IPs from the node, QoS class; and what their story implies beside the object — the
 * kubelet's events of a crash loop, an image pull that fails or an eviction, and the logs.
 */
import {
  containerStatus,
  StoryProblem,
  templateSpec,
  type Container,
  type PodTemplate,
} from './containers.ts';
import { crashEvents, pullEvents, storyEvent, type PodView } from './events.ts';
import { startLog } from './logs.ts';
import type { PodInput, State } from './schema.ts';
import { ownerRef, type Any, type Labels, type Obj, type StoryWorld } from './world.ts';

export const isReady = (p: Obj) =>
  (p.status.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');
export const isLive = (p: Obj) => p.status.phase !== 'Failed' && p.status.phase !== 'Succeeded';

export interface PodOrder {
  name: string;
  namespace: string;
  owner: Obj;
  labels: Labels;
  template: PodTemplate;
  def: PodInput;
  /** Where the pod is in the story, for problems. */
  path: string;
}

/** Each container's state: the pod's `state` for its only container, or `containers` by name. */
function states(o: PodOrder): { main: Record<string, State>; init: Record<string, State> } {
  const { def, template, path } = o;
  if (def.state && template.containers.length !== 1)
    throw new StoryProblem(
      `${path}.state`,
      'a pod with several containers says each one’s state under containers',
    );
  const main = def.state ? { [template.containers[0]?.name as string]: def.state } : { ...def.containers };
  if (def.evicted)
    for (const c of template.containers)
      main[c.name] = {
        is: 'ended',
        reason: 'ContainerStatusUnknown',
        exitCode: 137,
        finished: def.evicted.at,
        message: 'The container could not be located when the pod was terminated',
      };
  for (const [key, names] of [
    ['containers', Object.keys(def.containers ?? {})],
    ['init', Object.keys(def.init ?? {})],
  ] as const) {
    const known = (key === 'init' ? (template.init ?? []) : template.containers).map((c) => c.name);
    const stray = names.find((n) => !known.includes(n));
    if (stray) throw new StoryProblem(`${path}.${key}.${stray}`, `the pod has no container ${stray}`);
  }
  return { main, init: def.init ?? {} };
}

function conditionsOf(
  o: PodOrder,
  s: { phase: string; initDone: boolean; statuses: Any[]; initStatuses: Any[] },
  w: StoryWorld,
) {
  const { def, template } = o;
  const since = w.at(def.created);
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => ({
    type,
    status: ok ? 'True' : 'False',
    lastProbeTime: null,
    lastTransitionTime: since,
    ...(!ok && reason ? { reason } : {}),
    ...(!ok && message ? { message } : {}),
  });
  if (def.unschedulable) return [cond('PodScheduled', false, 'Unschedulable', def.unschedulable)];
  if (!def.node) return [];
  const done = s.phase === 'Failed' || s.phase === 'Succeeded';
  const unready = s.statuses.filter((c) => !c.ready).map((c) => c.name);
  const containersReady = s.statuses.length > 0 && unready.length === 0;
  const ready = def.ready ?? containersReady;
  const unreadyMessage = `containers with unready status: [${(unready.length ? unready : template.containers.map((c) => c.name)).join(' ')}]`;
  const incomplete = (template.init ?? []).filter(
    (_, i) => s.initStatuses[i].state.terminated?.exitCode !== 0,
  );
  return [
    ...(def.evicted
      ? [
          {
            type: 'DisruptionTarget',
            status: 'True',
            reason: 'TerminationByKubelet',
            message: def.evicted.message,
            lastProbeTime: null,
            lastTransitionTime: w.at(def.evicted.at),
          },
        ]
      : []),
    cond('PodReadyToStartContainers', !done),
    cond(
      'Initialized',
      s.initDone,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incomplete.map((c) => c.name).join(' ')}]`,
    ),
    // The node controller marks pods of a lost node not ready without a reason; the kubelet,
    // which would say why, is the one that is gone.
    def.ready === false && containersReady
      ? cond('Ready', false)
      : done
        ? cond('Ready', false, 'PodCompleted')
        : cond('Ready', ready, 'ContainersNotReady', unreadyMessage),
    done
      ? cond('ContainersReady', false, 'PodCompleted')
      : cond('ContainersReady', containersReady, 'ContainersNotReady', unreadyMessage),
    cond('PodScheduled', true),
  ];
}

function qosClass(containers: Container[]): string {
  const empty = (r?: Labels) => !r || !Object.keys(r).length;
  if (containers.every((c) => empty(c.requests) && empty(c.limits))) return 'BestEffort';
  return containers.every((c) => c.limits?.memory && c.limits.cpu && c.requests?.memory === c.limits.memory)
    ? 'Guaranteed'
    : 'Burstable';
}

const TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  tolerationSeconds: 300,
}));

export function pod(w: StoryWorld, o: PodOrder): Obj {
  const { name, namespace, def, template } = o;
  const podUid = w.uid('Pod', namespace, name);
  const where = (c: Container) => ({
    container: c.name,
    image: c.image,
    pod: name,
    namespace,
    podUid,
    created: def.created,
  });
  const { main, init } = states(o);
  const initStatuses = (template.init ?? []).map((c) =>
    containerStatus(
      w,
      init[c.name] ?? { is: 'ended', reason: 'Completed', exitCode: 0, finished: def.created },
      where(c),
    ),
  );
  const statuses = def.node
    ? template.containers.map((c) => containerStatus(w, main[c.name] ?? { is: 'up' }, where(c)))
    : [];
  const initDone = initStatuses.every((s) => s.state.terminated?.exitCode === 0);
  const started = statuses.length > 0 && statuses.every((s) => s.restartCount > 0 || s.state.running);
  const ended = statuses.length > 0 && statuses.every((s) => s.state.terminated);
  const phase =
    def.phase ??
    (def.evicted
      ? 'Failed'
      : ended && template.restartPolicy === 'Never'
        ? statuses.every((s) => s.state.terminated.exitCode === 0)
          ? 'Succeeded'
          : 'Failed'
        : def.node && initDone && started
          ? 'Running'
          : 'Pending');
  const conditions = conditionsOf(o, { phase, initDone, statuses, initStatuses }, w);
  const spec = templateSpec(template);
  // A pod on the host's network has the node's address.
  const ip =
    def.node && phase !== 'Failed' && phase !== 'Succeeded'
      ? spec.hostNetwork
        ? w.hostIp(def.node)
        : w.podIp(def.node)
      : undefined;
  const since = w.at(def.created);
  const p = w.add({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      // ReplicaSets and Jobs name their pods from a prefix; a StatefulSet's pods have fixed names.
      ...(o.owner.kind === 'StatefulSet' ? {} : { generateName: name.slice(0, name.lastIndexOf('-') + 1) }),
      namespace,
      uid: podUid,
      creationTimestamp: since,
      labels: o.labels,
      ownerReferences: [ownerRef(o.owner)],
    },
    spec: {
      ...spec,
      ...(def.node ? { nodeName: def.node } : {}),
      serviceAccountName: spec.serviceAccountName ?? 'default',
      tolerations: [...(spec.tolerations ?? []), ...TOLERATIONS],
    },
    status: {
      phase,
      ...(def.evicted ? { reason: 'Evicted', message: def.evicted.message } : {}),
      ...(conditions.length ? { conditions } : {}),
      ...(def.node ? { hostIP: w.hostIp(def.node), hostIPs: [{ ip: w.hostIp(def.node) }] } : {}),
      ...(ip ? { podIP: ip, podIPs: [{ ip }] } : {}),
      ...(def.node ? { startTime: since } : {}),
      ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
      ...(statuses.length ? { containerStatuses: statuses } : {}),
      qosClass: qosClass(template.containers),
    },
  });
  const view: PodView = {
    pod: p,
    containers: template.containers,
    init: template.init ?? [],
    statuses: Object.fromEntries([...initStatuses, ...statuses].map((s) => [s.name, s])),
    unschedulable: def.unschedulable,
  };
  happened(w, o, view, main, init);
  return p;
}

/** What the pod's story implies beside the object: the kubelet's events, then the story's own, and logs. */
function happened(
  w: StoryWorld,
  o: PodOrder,
  v: PodView,
  main: Record<string, State>,
  init: Record<string, State>,
) {
  const { def } = o;
  if (def.evicted) {
    storyEvent(
      w,
      v.pod,
      { reason: 'Evicted', message: def.evicted.message, first: def.evicted.at, last: def.evicted.at },
      v,
    );
    for (const c of v.containers)
      storyEvent(
        w,
        v.pod,
        { reason: 'Killing', container: c.name, first: def.evicted.at, last: def.evicted.at },
        v,
      );
  }
  for (const [name, s] of [...Object.entries(main), ...Object.entries(init)]) {
    if (s.is === 'crash-looping') crashEvents(w, v, name, s.restarts, s.since ?? def.created);
    const c = v.containers.find((x) => x.name === name);
    if (s.is === 'image-not-found' && c) pullEvents(w, v, c, def.created, s.pulls, s.backoffs);
  }
  def.events.forEach((e, i) => storyEvent(w, v.pod, e, v, `${o.path}.events.${i}`));
  for (const [container, log] of Object.entries(def.logs ?? {})) {
    const both = typeof log === 'object' && 'current' in log ? log : { current: log };
    const text = (l: typeof both.current) => startLog(l, container);
    w.log(
      v.pod,
      container,
      text(both.current),
      both.previous === undefined ? undefined : text(both.previous),
    );
  }
}
