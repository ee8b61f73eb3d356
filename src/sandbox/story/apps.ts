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
import { event, storyEvent } from './events.ts';
import type { FailedSyncInput, StoryApp } from './schema.ts';
import { commit, INSTANCE, iso, type Any, type Obj, type StoryWorld } from './world.ts';

/** A deployed commit: a story's key as a commit id, or HEAD~n of a story's Git history as it is. */
const revision = (key: string) => (/^HEAD(~\d+)?$/.test(key) ? key : commit(key));

/** The app's source: as its Application in Git has it, or the story's repository at its path. */
const source = (repo: string, a: StoryApp) =>
  a.git?.manifest.spec.source ?? { repoURL: repo, path: a.path, targetRevision: 'HEAD' };

/** The managed resources of an app (hooks are not, and Endpoints are excluded by Argo CD's default resource.exclusions). */
function resources(w: StoryWorld, a: StoryApp): Any[] {
  const objects = w.objects
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
  // An app of apps manages Applications (kept by Argo CD, not among the cluster's objects here).
  const children = (a.git?.children ?? []).map((c) => ({
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    namespace: c.metadata.namespace ?? 'argocd',
    name: c.metadata.name,
    status: 'Synced',
  }));
  return [...objects, ...children];
}

/**
 * The images of the app's pods, old ReplicaSets' too, sorted: Argo CD's summary gathers the images
 * of every node of the app's tree (ApplicationTree.GetSummary), and only pods carry images there.
 */
function images(w: StoryWorld, a: StoryApp): string[] {
  const byUid = new Map(w.objects.map((o) => [o.metadata.uid, o]));
  const rootOf = (o: Obj): Obj => {
    const parent = byUid.get(o.metadata.ownerReferences?.[0]?.uid);
    return parent ? rootOf(parent) : o;
  };
  const pods = w.objects.filter((o) => o.kind === 'Pod' && rootOf(o).metadata.labels?.[INSTANCE] === a.name);
  return [
    ...new Set(
      pods.flatMap((p) =>
        [...(p.spec.initContainers ?? []), ...(p.spec.containers ?? [])].map((c: Any) => c.image as string),
      ),
    ),
  ].sort();
}

/** The operation state of a sync that failed, its SyncError condition, and the controller's events. */
function failedSync(
  w: StoryWorld,
  a: StoryApp,
  f: FailedSyncInput & { started: string; finished: string },
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
  a: StoryApp,
  o: { repo: string; server: string; path: string },
): Any {
  const newest = a.history.at(-1) as StoryApp['history'][number];
  const git = a.git;
  const chart = git?.manifest.spec.source?.chart as string | undefined;
  // A chart from a Helm repository is deployed at its version; a Git source at a commit.
  const revisionAt = (i: number) =>
    git?.syncs[i]?.revision ?? revision((a.history[i] as { commit: string }).commit);
  const deployed = revisionAt(a.history.length - 1);
  const target = chart
    ? (git?.manifest.spec.source?.targetRevision as string)
    : a.target
      ? revision(a.target)
      : git && a.failedSync
        ? 'HEAD'
        : deployed;
  const src = source(o.repo, a);
  const destination = git?.manifest.spec.destination ?? { server: o.server, namespace: a.namespace };
  const about: Obj = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: a.name, namespace: 'argocd', uid: w.uid('Application', 'argocd', a.name) },
    repo: o.repo,
  };
  const failed = a.failedSync && failedSync(w, a, a.failedSync, about, target, `${o.path}.failedSync`);
  a.events.forEach((e, i) =>
    storyEvent(w, about, { from: 'argocd-application-controller', ...e }, undefined, `${o.path}.events.${i}`),
  );
  const started = (age: string) => iso(w.ago(age) - 4_000);
  const initiatedBy = (i: number) => git?.syncs[i]?.initiatedBy ?? { automated: true };
  const history = a.history.map((h, id) => ({
    id,
    revision: revisionAt(id),
    deployStartedAt: started(h.age),
    deployedAt: w.at(h.age),
    initiatedBy: initiatedBy(id),
    source: git?.syncs[id]?.source ?? src,
  }));
  const manual = 'username' in initiatedBy(a.history.length - 1);
  const ownLabels = (git?.manifest.metadata.labels ?? {}) as Record<string, string>;
  const isRoot = !!git?.children.length;
  return {
    apiVersion: about.apiVersion,
    kind: about.kind,
    metadata: {
      ...about.metadata,
      // Created by its app of apps just before its first sync.
      creationTimestamp: git ? iso(w.ago((a.history[0] as { age: string }).age) - 15_000) : w.at('90d'),
      labels: isRoot ? ownLabels : { ...ownLabels, [INSTANCE]: 'root-app' },
      ...(git?.manifest.metadata.annotations ? { annotations: git.manifest.metadata.annotations } : {}),
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: git
      ? structuredClone(git.manifest.spec)
      : {
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
      // Argo CD keeps the newest deployments (revisionHistoryLimit, 10 by default).
      history: history.slice(-10),
      operationState: failed?.operation ?? {
        operation: {
          sync: {
            revision: deployed,
            ...(manual ? { syncStrategy: { hook: {} } } : { prune: true }),
            ...(git?.manifest.spec.syncPolicy?.syncOptions
              ? { syncOptions: git.manifest.spec.syncPolicy.syncOptions }
              : {}),
          },
          initiatedBy: initiatedBy(a.history.length - 1),
          retry: { limit: 5 },
        },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        syncResult: {
          revision: deployed,
          source: history.at(-1)?.source ?? src,
          ...(git ? { resources: git.results } : {}),
        },
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
