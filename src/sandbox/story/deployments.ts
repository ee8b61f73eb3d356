/**
 * A Deployment and its history: one ReplicaSet per revision (named by the pod template's hash, as
 * the sandbox's reconciler names them), their pods, and the status and conditions the deployment
 * controller derives from those pods (available, progressing, past its deadline).
 */
import { templateHash } from '../reconciler/rollout.ts';
import {
  resolve,
  StoryProblem,
  templateSpec,
  type Container,
  type PodTemplate,
  type WorkloadOrder,
} from './containers.ts';
import { event } from './events.ts';
import { isLive, isReady, pod } from './pods.ts';
import type { ContainerInput, DeploymentInput, RevisionInput } from './schema.ts';
import {
  iso,
  managed,
  NAME,
  ownerRef,
  podName,
  type Any,
  type Labels,
  type Obj,
  type StoryWorld,
} from './world.ts';

/** Each revision's containers: its own, or the previous revision's with the first one changed. */
function containersOf(
  d: DeploymentInput,
  named: Record<string, ContainerInput>,
  path: string,
): Container[][] {
  const out: Container[][] = [];
  d.revisions.forEach((r, i) => {
    const at = `${path}.revisions.${i}`;
    if (r.containers) return out.push(r.containers.map((c, j) => resolve(c, named, `${at}.containers.${j}`)));
    const [first, ...rest] = out[i - 1] ?? [];
    if (!first) throw new StoryProblem(`${at}.containers`, 'the first revision says its containers');
    const changed = { image: r.image, requests: r.requests, limits: r.limits, env: r.env };
    const set = Object.fromEntries(Object.entries(changed).filter(([, v]) => v !== undefined));
    out.push([{ ...first, ...set }, ...rest]);
  });
  return out;
}

function progressing(w: StoryWorld, d: DeploymentInput, newRs: string, current: RevisionInput) {
  const rolloutAt = w.at(current.scaled ?? current.created);
  if (d.progress === 'done')
    return {
      type: 'Progressing',
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "${newRs}" has successfully progressed.`,
      lastUpdateTime: rolloutAt,
      lastTransitionTime: w.at('60d'),
    };
  if (d.progress === 'rolling')
    return {
      type: 'Progressing',
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: `ReplicaSet "${newRs}" is progressing.`,
      lastUpdateTime: rolloutAt,
      lastTransitionTime: rolloutAt,
    };
  const deadline = iso(w.ago(current.scaled ?? current.created) + 600_000);
  return {
    type: 'Progressing',
    status: 'False',
    reason: 'ProgressDeadlineExceeded',
    message: `ReplicaSet "${newRs}" has timed out progressing.`,
    lastUpdateTime: deadline,
    lastTransitionTime: deadline,
  };
}

export function deployment(w: StoryWorld, o: WorkloadOrder<DeploymentInput>): Obj[] {
  const { app, namespace, d, path } = o;
  const component: Labels = d.component ? { 'app.kubernetes.io/component': d.component } : {};
  const podLabels: Labels = d.podLabels ?? { [NAME]: d.name, ...component };
  const containers = o.templates ? [] : containersOf(d, o.named, path);
  const template = (r: RevisionInput, i: number): PodTemplate =>
    o.templates?.[i] ?? {
      labels: podLabels,
      containers: containers[i] as Container[],
      init: r.init?.map((c, j) => resolve(c, o.named, `${path}.revisions.${i}.init.${j}`)),
      schedulerName: r.schedulerName,
    };
  const current = d.revisions.at(-1) as RevisionInput;
  // A template from Git is kept as Git has it, so that the sandbox's reconciler, applying the same
  // manifest, finds the ReplicaSet by the same hash.
  const podTemplate = (r: RevisionInput, i: number): Any =>
    structuredClone(template(r, i).manifest) ?? {
      metadata: { labels: podLabels },
      spec: templateSpec(template(r, i)),
    };
  const dep: Obj = w.add({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...w.meta('Deployment', d.name, namespace, '60d'),
      generation: current.revision,
      labels: managed(app, d.name, component),
      annotations: { 'deployment.kubernetes.io/revision': String(current.revision) },
    },
    spec: {
      replicas: d.replicas,
      selector: { matchLabels: podLabels },
      template: podTemplate(current, d.revisions.length - 1),
      strategy:
        d.strategy === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
    },
  });
  const replicaSets: Obj[] = [];
  const pods: Obj[] = [];
  const failures: Any[] = [];
  const hashes = new Map<string, number>();
  d.revisions.forEach((r, i) => {
    // The hash the deployment controller (and the sandbox's reconciler) names the ReplicaSet by.
    const hash = templateHash(podTemplate(r, i));
    if (hashes.has(hash))
      throw new StoryProblem(
        `${path}.revisions.${i}`,
        `the same pod template as revision ${hashes.get(hash)}`,
      );
    hashes.set(hash, r.revision);
    const labels = { ...podLabels, 'pod-template-hash': hash };
    const rsName = `${d.name}-${hash}`;
    const failure = r.refused && {
      type: 'ReplicaFailure',
      status: 'True',
      reason: 'FailedCreate',
      message: `pods "${rsName}-" is forbidden: ${r.refused.message}`,
      lastTransitionTime: w.at(r.refused.since),
    };
    const rs: Obj = w.add({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        ...w.meta('ReplicaSet', rsName, namespace, r.created),
        generation: r === current ? 1 : 2,
        labels,
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(d.replicas),
          'deployment.kubernetes.io/max-replicas': String(
            d.replicas + (d.strategy === 'Recreate' ? 0 : Math.ceil(d.replicas / 4)),
          ),
          'deployment.kubernetes.io/revision': String(r.revision),
        },
        ownerReferences: [ownerRef(dep)],
      },
      spec: {
        replicas: r.replicas ?? r.pods.length,
        selector: { matchLabels: labels },
        template: { ...podTemplate(r, i), metadata: { ...podTemplate(r, i).metadata, labels } },
      },
    });
    const mine = r.pods.map((def, j) =>
      pod(w, {
        name: podName(rsName, j, namespace),
        namespace,
        owner: rs,
        labels,
        template: template(r, i),
        def,
        path: `${path}.revisions.${i}.pods.${j}`,
      }),
    );
    const live = mine.filter(isLive);
    const ready = live.filter(isReady).length;
    rs.status = {
      replicas: live.length,
      ...(live.length ? { fullyLabeledReplicas: live.length } : {}),
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      observedGeneration: rs.metadata.generation,
      ...(failure ? { conditions: [failure] } : {}),
    };
    if (failure && r.refused) {
      failures.push({ ...failure, lastUpdateTime: failure.lastTransitionTime });
      event(w, rs, {
        reason: 'FailedCreate',
        message: `Error creating: ${failure.message}`,
        count: r.refused.count,
        first: r.refused.since,
        last: r.refused.last,
        component: 'replicaset-controller',
      });
    }
    replicaSets.push(rs);
    pods.push(...mine);
  });
  const live = pods.filter(isLive);
  const newRs = replicaSets.at(-1)?.metadata.name as string;
  const updated = live.filter((p) => p.metadata.ownerReferences[0].name === newRs);
  const available = live.filter(isReady).length;
  const maxUnavailable = d.strategy === 'Recreate' ? 0 : Math.floor(d.replicas / 4);
  const rolloutAt = w.at(current.scaled ?? current.created);
  const ok = available >= d.replicas - maxUnavailable;
  dep.status = {
    observedGeneration: current.revision,
    replicas: live.length,
    updatedReplicas: updated.length,
    ...(available ? { readyReplicas: available, availableReplicas: available } : {}),
    ...(live.length - available > 0 || d.replicas - available > 0
      ? { unavailableReplicas: Math.max(live.length, d.replicas) - available }
      : {}),
    conditions: [
      {
        type: 'Available',
        status: ok ? 'True' : 'False',
        reason: ok ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: ok
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
        lastUpdateTime: rolloutAt,
        lastTransitionTime: rolloutAt,
      },
      progressing(w, d, newRs, current),
      ...failures,
    ],
  };
  return pods;
}
