/**
 * Containers: their spec as a pod template holds it, and their status as the kubelet reports it
 * for each state a story can say (up, crash-looping, waiting, an image that is not found, ended).
 */
import type { ContainerInput, State, Term } from './schema.ts';
import { hex, iso, type Any, type Labels, type StoryWorld } from './world.ts';

/** A container with its name and image known (`like` resolved). */
export type Container = Omit<ContainerInput, 'like'> & { name: string; image: string };

export function resolve(c: ContainerInput, named: Record<string, ContainerInput>, where: string): Container {
  const base = c.like ? named[c.like] : {};
  if (!base) throw new StoryProblem(`${where}.like`, `no container ${c.like} in the story's containers`);
  const { like: _like, ...rest } = { ...base, ...c };
  if (!rest.name || !rest.image) throw new StoryProblem(where, 'a container needs a name and an image');
  return rest as Container;
}

/** What a workload builder is handed: its app, namespace and definition, the story's named containers, and where it is. */
export interface WorkloadOrder<D> {
  app: string;
  namespace: string;
  d: D;
  named: Record<string, ContainerInput>;
  path: string;
  /** Each revision's pod template as Git has it (./synced.ts), instead of the story's containers. */
  templates?: PodTemplate[];
}

/** A problem with a story, at a path of the document. */
export class StoryProblem extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

function probe(path: string, period: number) {
  return {
    httpGet: { path, port: 'http', scheme: 'HTTP' },
    periodSeconds: period,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
  };
}

export function containerSpec(c: Container): Any {
  return {
    name: c.name,
    image: c.image,
    ...(c.args ? { args: c.args } : {}),
    ...(c.port ? { ports: [{ name: 'http', containerPort: c.port, protocol: 'TCP' }] } : {}),
    ...(c.env ? { env: c.env } : {}),
    resources: {
      ...(c.limits ? { limits: c.limits } : {}),
      ...(c.requests ? { requests: c.requests } : {}),
    },
    ...(c.readiness ? { readinessProbe: probe(c.readiness, 10) } : {}),
    ...(c.liveness ? { livenessProbe: { ...probe(c.liveness, 20), initialDelaySeconds: 60 } } : {}),
    imagePullPolicy: 'IfNotPresent',
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
  };
}

export interface PodTemplate {
  labels: Labels;
  containers: Container[];
  init?: Container[];
  volumes?: Any[];
  restartPolicy?: string;
  schedulerName?: string;
  /** A manifest's template as Git has it (what a workload keeps and is hashed by), and its pod spec. */
  manifest?: Any;
  spec?: Any;
}

/** A manifest's pod template (`spec.template` of a workload from Git) as pods are made from it. */
export function manifestTemplate(template: { metadata?: Any; spec: Any }): PodTemplate {
  const container = (c: Any): Container => ({
    name: c.name,
    image: c.image,
    ...(c.resources?.limits ? { limits: c.resources.limits } : {}),
    ...(c.resources?.requests ? { requests: c.resources.requests } : {}),
  });
  const spec = template.spec;
  return {
    labels: template.metadata?.labels ?? {},
    containers: (spec.containers as Any[]).map(container),
    ...(spec.initContainers ? { init: (spec.initContainers as Any[]).map(container) } : {}),
    ...(spec.restartPolicy ? { restartPolicy: spec.restartPolicy } : {}),
    manifest: template,
    spec,
  };
}

/** A container of a manifest with the fields the API server defaults. */
const defaulted = (c: Any): Any => ({
  ...c,
  ...(c.ports ? { ports: (c.ports as Any[]).map((p) => ({ ...p, protocol: p.protocol ?? 'TCP' })) } : {}),
  resources: c.resources ?? {},
  imagePullPolicy: c.imagePullPolicy ?? (/:latest$|^[^:]*$/.test(c.image) ? 'Always' : 'IfNotPresent'),
  terminationMessagePath: c.terminationMessagePath ?? '/dev/termination-log',
  terminationMessagePolicy: c.terminationMessagePolicy ?? 'File',
});

export function templateSpec(t: PodTemplate): Any {
  if (t.spec)
    return {
      ...t.spec,
      ...(t.spec.initContainers ? { initContainers: (t.spec.initContainers as Any[]).map(defaulted) } : {}),
      containers: (t.spec.containers as Any[]).map(defaulted),
      restartPolicy: t.spec.restartPolicy ?? 'Always',
      terminationGracePeriodSeconds: t.spec.terminationGracePeriodSeconds ?? 30,
      dnsPolicy: t.spec.dnsPolicy ?? 'ClusterFirst',
      schedulerName: t.spec.schedulerName ?? 'default-scheduler',
      securityContext: t.spec.securityContext ?? {},
    };
  return {
    ...(t.init ? { initContainers: t.init.map(containerSpec) } : {}),
    containers: t.containers.map(containerSpec),
    ...(t.volumes ? { volumes: t.volumes } : {}),
    restartPolicy: t.restartPolicy ?? 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: t.schedulerName ?? 'default-scheduler',
    securityContext: {},
  };
}

/** Where a container runs, as its status and the kubelet's messages need it. */
export interface Where {
  container: string;
  image: string;
  pod: string;
  namespace: string;
  podUid: string;
  /** The pod's creation age. */
  created: string;
}

const imageId = (image: string) => `${image.replace(/:[^:/@]+$/, '')}@sha256:${hex(`image/${image}`, 64)}`;
const containerId = (w: Where, n: number) => `containerd://${hex(`${w.podUid}/${w.container}/${n}`, 64)}`;
/** How the kubelet names a pod in messages: name_namespace(uid). */
export const kubeletPod = (w: Pick<Where, 'pod' | 'namespace' | 'podUid'>) =>
  `${w.pod}_${w.namespace}(${w.podUid})`;

/** containerd's answer for a tag the registry does not have. */
export const notFound = (image: string) =>
  `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;

function terminated(s: StoryWorld, t: Term, w: Where, n: number): Any {
  const finished = s.ago(t.finished);
  return {
    terminated: {
      exitCode: t.exitCode,
      reason: t.reason,
      ...(t.message ? { message: t.message } : {}),
      startedAt: t.started ? s.at(t.started) : iso(finished - 45_000),
      finishedAt: iso(finished),
      containerID: containerId(w, n),
    },
  };
}

/** The container status the kubelet reports for a state. */
export function containerStatus(s: StoryWorld, state: State, w: Where): Any {
  const head = { name: w.container, image: w.image, imageID: imageId(w.image) };
  switch (state.is) {
    case 'up': {
      const restarts = state.restarts ?? 0;
      return {
        ...head,
        containerID: containerId(w, restarts),
        ready: state.ready ?? true,
        started: true,
        restartCount: restarts,
        state: { running: { startedAt: s.at(state.since ?? w.created) } },
        lastState: state.last ? terminated(s, state.last, w, (state.restarts ?? 1) - 1) : {},
      };
    }
    case 'crash-looping':
      return {
        ...head,
        containerID: containerId(w, state.restarts),
        ready: false,
        started: false,
        restartCount: state.restarts,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${state.backoff} restarting failed container=${w.container} pod=${kubeletPod(w)}`,
          },
        },
        lastState: terminated(s, state.last, w, state.restarts),
      };
    case 'waiting':
    case 'image-not-found': {
      const pulled = state.is === 'waiting' && state.pulled;
      const waiting =
        state.is === 'waiting'
          ? { reason: state.reason, ...(state.message ? { message: state.message } : {}) }
          : {
              reason: 'ImagePullBackOff',
              message: `Back-off pulling image "${w.image}": ErrImagePull: ${notFound(w.image)}`,
            };
      return {
        ...head,
        imageID: pulled ? head.imageID : '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting },
        lastState: {},
      };
    }
    case 'ended': {
      const { is: _is, ...term } = state;
      return {
        ...head,
        containerID: containerId(w, 0),
        ready: false,
        started: false,
        restartCount: 0,
        state: terminated(s, term, w, 0),
        lastState: {},
      };
    }
  }
}
