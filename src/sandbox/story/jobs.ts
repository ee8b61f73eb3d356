/**
 * Batch work: a CronJob with the Job of the run the story tells, and a sync hook Job (Argo CD runs
 * it; it is not a managed resource). A Job's pods are its runs; whether it completed or reached its
 * backoff limit follows from them.
 */
import { resolve, templateSpec, type Container, type WorkloadOrder } from './containers.ts';
import { storyEvent } from './events.ts';
import { pod } from './pods.ts';
import type { CronJobInput, HookInput } from './schema.ts';
import {
  INSTANCE,
  iso,
  managed,
  NAME,
  ownerRef,
  podName,
  type Labels,
  type Obj,
  type StoryWorld,
} from './world.ts';

interface JobOrder {
  name: string;
  namespace: string;
  /** When the Job was created (and started). */
  created: number;
  labels: Labels;
  annotations?: Labels;
  owner?: Obj;
  /** Labels of its pods besides the ones the job controller adds. */
  podLabels: Labels;
  container: Container;
  def: CronJobInput | HookInput;
  path: string;
}

const condition = (type: string, done: string, failed: boolean) =>
  failed
    ? {
        type,
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        lastProbeTime: done,
        lastTransitionTime: done,
      }
    : { type, status: 'True', lastProbeTime: done, lastTransitionTime: done };

function job(w: StoryWorld, o: JobOrder): Obj {
  const { name, namespace, def } = o;
  const uid = w.uid('Job', namespace, name);
  const labels = {
    ...o.podLabels,
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  const template = { labels, containers: [o.container], restartPolicy: 'Never' };
  const j: Obj = w.add({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      uid,
      creationTimestamp: iso(o.created),
      labels: Object.keys(o.labels).length ? o.labels : labels,
      ...(o.annotations ? { annotations: o.annotations } : {}),
      ...(o.owner ? { ownerReferences: [ownerRef(o.owner)] } : {}),
    },
    spec: {
      backoffLimit: def.backoffLimit,
      completions: 1,
      parallelism: 1,
      template: { metadata: { labels }, spec: templateSpec(template) },
    },
    status: {},
  });
  const pods = def.runs.map((run, i) =>
    pod(w, {
      name: podName(name, i, namespace),
      namespace,
      owner: j,
      labels,
      template,
      def: run,
      path: `${o.path}.runs.${i}`,
    }),
  );
  const failed = !pods.some((p) => p.status.phase === 'Succeeded');
  const done = def.finished ? w.at(def.finished) : iso(w.ago(def.runs.at(-1)?.created ?? '1m') + 95_000);
  const common = { startTime: iso(o.created), terminating: 0, ready: 0, uncountedTerminatedPods: {} };
  j.status = failed
    ? {
        failed: pods.length,
        ...common,
        conditions: [condition('FailureTarget', done, true), condition('Failed', done, true)],
      }
    : { succeeded: 1, ...common, completionTime: done, conditions: [condition('Complete', done, false)] };
  def.events.forEach((e, i) => storyEvent(w, j, e, undefined, `${o.path}.events.${i}`));
  return j;
}

export function cronJob(w: StoryWorld, o: WorkloadOrder<CronJobInput>): Obj {
  const { d, namespace } = o;
  const container = resolve(d.container, o.named, `${o.path}.container`);
  const scheduled = Date.parse(d.scheduled);
  const cron: Obj = w.add({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      ...w.meta('CronJob', d.name, namespace, '60d'),
      generation: 3,
      labels: managed(o.app, d.name),
    },
    spec: {
      schedule: d.schedule,
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      suspend: false,
      jobTemplate: {
        spec: {
          backoffLimit: d.backoffLimit,
          template: {
            metadata: { labels: { [NAME]: d.name } },
            spec: templateSpec({ labels: {}, containers: [container], restartPolicy: 'Never' }),
          },
        },
      },
    },
    status: { lastScheduleTime: iso(scheduled) },
  });
  const j = job(w, {
    name: `${d.name}-${Math.floor(scheduled / 60_000)}`,
    namespace,
    created: scheduled,
    labels: {},
    owner: cron,
    podLabels: { [NAME]: d.name },
    container,
    def: d,
    path: o.path,
  });
  if (j.status.succeeded) cron.status.lastSuccessfulTime = iso(scheduled + 95_000);
  return cron;
}

export function hookJob(w: StoryWorld, o: WorkloadOrder<HookInput>): Obj {
  const { d } = o;
  return job(w, {
    name: d.name,
    namespace: o.namespace,
    created: w.ago(d.created),
    labels: { [INSTANCE]: o.app },
    annotations: {
      'argocd.argoproj.io/hook': d.hook,
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    },
    podLabels: {},
    container: resolve(d.container, o.named, `${o.path}.container`),
    def: d,
    path: o.path,
  });
}
