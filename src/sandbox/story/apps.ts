/**
 * Argo CD Applications of a story: source, sync policy, history of deployments, the last operation
 * (a successful sync of the newest deployment, or a sync that failed and how), the managed
 * resources (what carries the app's instance label and has no owner), and health — computed from
 * the world's objects by the sandbox's own Argo CD health code, never declared.
 */
import { appHealth } from '../argo-api/apps.ts';
import { isHook } from '../argo-api/apps.ts';
import { ScenarioSchema } from '../scenario.ts';
import { World } from '../world.ts';
import { StoryProblem } from './containers.ts';
import { event } from './events.ts';
import type { AppInput, FailedSyncInput } from './schema.ts';
import { commit, INSTANCE, iso, type Any, type Obj, type StoryWorld } from './world.ts';

/** A deployed commit: a story's key as a commit id, or HEAD~n of a story's Git history as it is. */
const revision = (key: string) => (/^HEAD(~\d+)?$/.test(key) ? key : commit(key));

const source = (repo: string, a: AppInput) => ({ repoURL: repo, path: a.path, targetRevision: 'HEAD' });

/** The managed resources of an app (hooks are not, and Endpoints are excluded by Argo CD's default resource.exclusions). */
function resources(w: StoryWorld, a: AppInput): Any[] {
  return w.objects
    .filter(
      (o) =>
        o.metadata.labels?.[INSTANCE] === a.name &&
        !o.metadata.ownerReferences &&
        !isHook(o) &&
        !['Endpoints', 'Event'].includes(o.kind),
    )
    .map((o) => {
      const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
      return {
        ...(group ? { group } : {}),
        version,
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        status: a.outOfSync.includes(`${o.kind}/${o.metadata.name}`) ? 'OutOfSync' : 'Synced',
      };
    });
}

function images(w: StoryWorld, a: AppInput): string[] {
  const specs = w.objects
    .filter((o) => o.metadata.labels?.[INSTANCE] === a.name && !o.metadata.ownerReferences)
    .map((o) => o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec);
  return [
    ...new Set(
      specs.flatMap((s) =>
        [...(s?.initContainers ?? []), ...(s?.containers ?? [])].map((c: Any) => c.image as string),
      ),
    ),
  ];
}

/** The operation state of a sync that failed, its SyncError condition, and the controller's events. */
function failedSync(
  w: StoryWorld,
  a: AppInput,
  f: FailedSyncInput,
  about: Obj,
  revision: string,
  path: string,
) {
  const src = source(about.repo, a);
  const results = f.failed.map((r, i) => {
    const o = w.find(r.kind, r.name, a.namespace);
    if (!o) throw new StoryProblem(`${path}.failed.${i}`, `no ${r.kind} ${r.name} in ${a.namespace}`);
    const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
    const hook = o.metadata.annotations?.['argocd.argoproj.io/hook'];
    const failed = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Failed');
    const message = r.message ?? failed?.message;
    if (!message) throw new StoryProblem(`${path}.failed.${i}.message`, 'say what the API server answered');
    return {
      ...(group ? { group } : {}),
      version,
      kind: o.kind,
      namespace: a.namespace,
      name: r.name,
      status: hook ? 'Synced' : 'SyncFailed',
      message,
      ...(hook ? { hookType: hook } : {}),
      hookPhase: 'Failed',
      syncPhase: hook ?? 'Sync',
    };
  });
  const refused = results.find((r) => !r.hookType);
  const why = refused
    ? `one or more objects failed to apply, reason: ${refused.message}`
    : 'one or more synchronization tasks completed unsuccessfully';
  const message = f.retried ? `${why} (retried ${f.retried} times).` : why;
  event(w, about, {
    reason: 'OperationStarted',
    message: `Initiated automated sync to '${revision}'`,
    type: 'Normal',
    first: f.started,
    last: f.started,
    component: 'argocd-application-controller',
  });
  event(w, about, {
    reason: 'OperationCompleted',
    message: `Sync operation to ${revision} failed: ${why}`,
    first: f.finished,
    last: f.finished,
    component: 'argocd-application-controller',
  });
  return {
    operation: {
      operation: { sync: { revision, prune: true }, initiatedBy: { automated: true }, retry: { limit: 5 } },
      phase: 'Failed',
      message,
      ...(f.retried ? { retryCount: f.retried } : {}),
      syncResult: { revision, source: src, resources: results },
      startedAt: w.at(f.started),
      finishedAt: w.at(f.finished),
    },
    conditions: f.retried
      ? [
          {
            type: 'SyncError',
            message: `Failed last sync attempt to [${revision}]: ${message}`,
            lastTransitionTime: w.at(f.finished),
          },
        ]
      : undefined,
  };
}

/** An Application as Argo CD returns it, with its health still to be computed (`settleHealth`). */
export function application(
  w: StoryWorld,
  a: AppInput,
  o: { repo: string; server: string; path: string },
): Any {
  const newest = a.history.at(-1) as AppInput['history'][number];
  const deployed = revision(newest.commit);
  const target = a.target ? revision(a.target) : deployed;
  const src = source(o.repo, a);
  const destination = { server: o.server, namespace: a.namespace };
  const about: Obj = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: a.name, namespace: 'argocd', uid: w.uid('Application', 'argocd', a.name) },
    repo: o.repo,
  };
  const failed = a.failedSync && failedSync(w, a, a.failedSync, about, target, `${o.path}.failedSync`);
  const started = (age: string) => iso(w.ago(age) - 4_000);
  return {
    apiVersion: about.apiVersion,
    kind: about.kind,
    metadata: {
      ...about.metadata,
      creationTimestamp: w.at('90d'),
      labels: { [INSTANCE]: 'root-app' },
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: 'default',
      source: src,
      destination,
      ...(a.sync === 'manual'
        ? {}
        : {
            syncPolicy: {
              automated: { prune: true, selfHeal: a.sync === 'auto' },
              syncOptions: ['CreateNamespace=true'],
            },
          }),
    },
    status: {
      sync: {
        status: a.outOfSync.length ? 'OutOfSync' : 'Synced',
        revision: target,
        comparedTo: { source: src, destination },
      },
      health: { status: 'Unknown', lastTransitionTime: w.at(newest.age) },
      history: a.history.map((h, id) => ({
        id,
        revision: revision(h.commit),
        deployStartedAt: started(h.age),
        deployedAt: w.at(h.age),
        initiatedBy: { automated: true },
        source: src,
      })),
      operationState: failed?.operation ?? {
        operation: {
          sync: { revision: deployed, prune: true },
          initiatedBy: { automated: true },
          retry: { limit: 5 },
        },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        syncResult: { revision: deployed, source: src },
        startedAt: started(newest.age),
        finishedAt: w.at(newest.age),
      },
      ...(failed?.conditions ? { conditions: failed.conditions } : {}),
      reconciledAt: w.at('2m'),
      resourceHealthSource: 'appTree',
      resources: resources(w, a),
      sourceType: a.sourceType,
      summary: { images: images(w, a) },
      controllerNamespace: 'argocd',
    },
  };
}

/**
 * Each app's health as the sandbox's Argo CD computes it from the world (the controller's job):
 * the status only, as Argo CD 3 stores it (the resources' health lives in the tree).
 */
export function settleHealth(scenario: Any, now: number): void {
  const world = new World(ScenarioSchema.parse(scenario), { now: () => now });
  world.instances.forEach((instance, i) => {
    for (const app of scenario.argocd[i].applications) {
      const live = instance.get(app.metadata.name, app.metadata.namespace);
      if (live)
        app.status.health.status = appHealth(world, instance, live as Parameters<typeof appHealth>[2]).status;
    }
  });
}
