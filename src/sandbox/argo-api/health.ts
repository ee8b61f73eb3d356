/**
 * Resource health as Argo CD computes it (gitops-engine's health checks), for the kinds deckhand's
 * apps use, and an application's health as the worst of its managed resources. The corpus notes
 * where this is blind — a Service without endpoints and an HPA at its maximum are Healthy here —
 * which is exactly why deckhand's diagnosis reads the objects itself.
 */
import type { KubeObject } from '../scenario.ts';
import type { Json } from '../json.ts';

export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export interface Health {
  status: HealthStatus;
  message?: string;
}

/** gitops-engine's order, best to worst. */
const ORDER: HealthStatus[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];
export const worse = (a: HealthStatus, b: HealthStatus): HealthStatus =>
  ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;

type Obj = KubeObject & Record<string, Json>;

const generationObserved = (o: Obj) => (o.metadata.generation ?? 0) <= (o.status?.observedGeneration ?? 0);

function pod(o: Obj): Health {
  const st = o.status ?? {};
  if (o.spec?.restartPolicy && o.spec.restartPolicy !== 'Always') {
    if (st.phase === 'Succeeded') return { status: 'Healthy', message: st.message };
    if (st.phase === 'Failed') return { status: 'Degraded', message: st.message ?? failedMessage(st) };
    return { status: 'Progressing', message: st.message };
  }
  const waiting = ((st.containerStatuses ?? []) as Obj[])
    .map((c) => c.state?.waiting)
    .filter(
      (w) =>
        w?.reason &&
        (w.reason.startsWith('Err') || w.reason.endsWith('Error') || w.reason.endsWith('BackOff')),
    );
  if (waiting.length)
    return { status: 'Degraded', message: waiting.map((w) => w.message ?? w.reason).join(', ') };
  switch (st.phase) {
    case 'Pending':
      return { status: 'Progressing', message: st.message };
    case 'Succeeded':
      return { status: 'Healthy', message: st.message };
    case 'Failed':
      return { status: 'Degraded', message: st.message ?? failedMessage(st) };
    case 'Running': {
      const ready = ((st.conditions ?? []) as Obj[]).some((c) => c.type === 'Ready' && c.status === 'True');
      if (ready) return { status: 'Healthy', message: st.message };
      const restarted = ((st.containerStatuses ?? []) as Obj[]).some((c) => c.lastState?.terminated);
      return { status: restarted ? 'Degraded' : 'Progressing', message: st.message };
    }
    default:
      return { status: 'Unknown', message: st.message };
  }
}

function failedMessage(st: Obj): string | undefined {
  for (const c of (st.containerStatuses ?? []) as Obj[]) {
    const t = c.state?.terminated;
    if (!t) continue;
    if (t.message) return t.message;
    if (t.reason === 'OOMKilled') return 'OOMKilled';
    if (t.exitCode) return `container "${c.name}" failed with exit code ${t.exitCode}`;
  }
  return undefined;
}

function deployment(o: Obj): Health {
  if (o.spec?.paused) return { status: 'Suspended', message: 'Deployment is paused' };
  if (!generationObserved(o))
    return {
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed deployment generation less than desired generation',
    };
  const st = o.status ?? {};
  const cond = ((st.conditions ?? []) as Obj[]).find((c) => c.type === 'Progressing');
  if (cond?.reason === 'ProgressDeadlineExceeded')
    return { status: 'Degraded', message: `Deployment "${o.metadata.name}" exceeded its progress deadline` };
  const want = o.spec?.replicas ?? 1;
  const updated = st.updatedReplicas ?? 0;
  if (updated < want)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
    };
  if ((st.replicas ?? 0) > updated)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...`,
    };
  if ((st.availableReplicas ?? 0) < updated)
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...`,
    };
  return { status: 'Healthy' };
}

function replicaSet(o: Obj): Health {
  if (!generationObserved(o))
    return {
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed replica set generation less than desired generation',
    };
  const failure = ((o.status?.conditions ?? []) as Obj[]).find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  if (failure) return { status: 'Degraded', message: failure.message };
  const want = o.spec?.replicas ?? 1;
  if ((o.status?.availableReplicas ?? 0) < want) {
    return {
      status: 'Progressing',
      message: `Waiting for rollout to finish: ${o.status?.availableReplicas ?? 0} out of ${want} new replicas are available...`,
    };
  }
  return { status: 'Healthy' };
}

function statefulSet(o: Obj): Health {
  if (!generationObserved(o))
    return { status: 'Progressing', message: 'Waiting for statefulset spec update to be observed...' };
  const want = o.spec?.replicas ?? 1;
  const ready = o.status?.readyReplicas ?? 0;
  if (ready < want)
    return { status: 'Progressing', message: `Waiting for ${want - ready} pods to be ready...` };
  if (o.status?.updateRevision && o.status.currentRevision !== o.status.updateRevision) {
    return {
      status: 'Progressing',
      message: `waiting for statefulset rolling update to complete ${o.status.updatedReplicas ?? 0} pods at revision ${o.status.updateRevision}...`,
    };
  }
  return {
    status: 'Healthy',
    message: `statefulset rolling update complete ${want} pods at revision ${o.status?.currentRevision ?? ''}...`,
  };
}

function daemonSet(o: Obj): Health {
  const st = o.status ?? {};
  if (!generationObserved(o))
    return {
      status: 'Progressing',
      message: 'Waiting for rollout to finish: observed daemon set generation less than desired generation',
    };
  if ((st.updatedNumberScheduled ?? 0) < (st.desiredNumberScheduled ?? 0)) {
    return {
      status: 'Progressing',
      message: `Waiting for daemon set "${o.metadata.name}" rollout to finish: ${st.updatedNumberScheduled ?? 0} out of ${st.desiredNumberScheduled} new pods have been updated...`,
    };
  }
  if ((st.numberAvailable ?? 0) < (st.desiredNumberScheduled ?? 0)) {
    return {
      status: 'Progressing',
      message: `Waiting for daemon set "${o.metadata.name}" rollout to finish: ${st.numberAvailable ?? 0} of ${st.desiredNumberScheduled} updated pods are available...`,
    };
  }
  return { status: 'Healthy' };
}

function job(o: Obj): Health {
  if (o.spec?.suspend) return { status: 'Suspended', message: 'Job is suspended' };
  const conds = (o.status?.conditions ?? []) as Obj[];
  const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { status: 'Degraded', message: failed.message };
  const complete = conds.find((c) => c.type === 'Complete' && c.status === 'True');
  if (complete) return { status: 'Healthy', message: complete.message };
  return { status: 'Progressing' };
}

function pvc(o: Obj): Health {
  switch (o.status?.phase) {
    case 'Bound':
      return { status: 'Healthy' };
    case 'Lost':
      return { status: 'Degraded' };
    case 'Pending':
      return { status: 'Progressing' };
    default:
      return { status: 'Unknown' };
  }
}

function hpa(o: Obj): Health {
  // A pinned maximum is Healthy to Argo CD; only conditions that say scaling is broken count.
  const bad = ((o.status?.conditions ?? []) as Obj[]).find(
    (c) =>
      (c.type === 'AbleToScale' || c.type === 'ScalingActive') &&
      c.status === 'False' &&
      c.reason !== 'ScalingDisabled',
  );
  return bad ? { status: 'Degraded', message: bad.message } : { status: 'Healthy' };
}

function service(o: Obj): Health | undefined {
  if (o.spec?.type !== 'LoadBalancer') return { status: 'Healthy' };
  return (o.status?.loadBalancer?.ingress ?? []).length ? { status: 'Healthy' } : { status: 'Progressing' };
}

function ingress(o: Obj): Health {
  return (o.status?.loadBalancer?.ingress ?? []).length ? { status: 'Healthy' } : { status: 'Progressing' };
}

/** Health of one object, or undefined for kinds Argo CD has no health check for. */
export function resourceHealth(
  o: KubeObject,
  opts: { applicationHealth?: boolean } = {},
): Health | undefined {
  const x = o as Obj;
  switch (o.kind) {
    case 'Pod':
      return pod(x);
    case 'Deployment':
      return deployment(x);
    case 'ReplicaSet':
      return replicaSet(x);
    case 'StatefulSet':
      return statefulSet(x);
    case 'DaemonSet':
      return daemonSet(x);
    case 'Job':
      return job(x);
    case 'PersistentVolumeClaim':
      return pvc(x);
    case 'HorizontalPodAutoscaler':
      return hpa(x);
    case 'Service':
      return service(x);
    case 'Ingress':
      return ingress(x);
    // Argo CD has no health check for Applications since 1.8 (docs/operator-manual/health.md);
    // an instance may add the documented Lua customization back (scenario `applicationHealth`).
    case 'Application':
      if (!opts.applicationHealth) return undefined;
      return x.status?.health?.status
        ? { status: x.status.health.status, message: x.status.health.message }
        : { status: 'Unknown' };
    default:
      return undefined;
  }
}
