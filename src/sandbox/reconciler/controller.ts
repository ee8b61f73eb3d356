/**
 * The sandbox's GitOps controller, playing Argo CD's part: when the branch an Application tracks
 * moves (a merged pull request), it reads the new revision from Git, builds the manifests
 * (kustomize, plain YAML, or the Helm values mapping), applies them to the destination cluster
 * through the rollout simulation, and records the sync in the Application's status (revision,
 * history, operation, resources). Apps with auto-sync follow on their own; others turn OutOfSync
 * until someone syncs. Health is re-assessed whenever the cluster changes.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState, ClusterState, World } from '../world.ts';
import type { Manifest } from './kustomize.ts';
import { renderApp } from './render.ts';
import { Rollouts, type SimulationView, type Timing } from './rollout.ts';

export interface GitSnapshotSource {
  /** Every file of the repository at a revision (path → content). */
  files(repoURL: string, revision: string): Promise<Map<string, string>>;
}

export interface AppHealth {
  status: string;
  message?: string;
  /** Per managed resource, keyed `<kind>/<namespace>/<name>`. */
  resources: Map<string, { status: string; message?: string }>;
}

export type HealthAssessor = (app: ScenarioApplication, cluster: ClusterState) => AppHealth;

// Applications are free-form JSON here, as the scenario gives them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
type AppObj = ScenarioApplication & { status?: Record<string, Any>; spec: Record<string, Any> };

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `kubectl apply`'s merge of a custom resource (JSON merge semantics: lists are replaced): keys the
 * desired object sets take its value, keys the last applied object set and the desired one does
 * not are removed, keys only the live object has are kept.
 */
export function threeWay(live: Any, desired: Any, last: Any): Any {
  if (!isMapping(live) || !isMapping(desired)) return structuredClone(desired);
  const out: Record<string, unknown> = { ...live };
  for (const [k, v] of Object.entries(desired))
    out[k] =
      isMapping(v) && isMapping(live[k])
        ? threeWay(live[k], v, isMapping(last) ? last[k] : undefined)
        : structuredClone(v);
  if (isMapping(last)) for (const k of Object.keys(last)) if (!(k in desired)) delete out[k];
  return out;
}

const isApplication = (m: Manifest) => m.kind === 'Application' && m.apiVersion.startsWith('argoproj.io/');

const normalizeRepo = (u: string) =>
  u
    .trim()
    .replace(/\.git$/, '')
    .replace(/\/$/, '')
    .toLowerCase();

export class GitOpsController {
  private readonly world: World;
  private readonly git: GitSnapshotSource;
  private readonly assess: HealthAssessor;
  private readonly rollouts = new Map<string, Rollouts>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly timing: Timing;
  /** What each app of apps last applied of each child Application (for kubectl apply's three-way merge). */
  private readonly lastApplied = new Map<string, { spec: Any; labels: Any; annotations: Any }>();

  constructor(deps: {
    world: World;
    git: GitSnapshotSource;
    sim: SimulationView;
    timing: Timing;
    assess: HealthAssessor;
  }) {
    this.world = deps.world;
    this.git = deps.git;
    this.assess = deps.assess;
    this.timing = deps.timing;
    for (const c of deps.world.clusters) this.rollouts.set(c.name, new Rollouts(c, deps.sim, deps.timing));
  }

  /** Re-assess app health when anything in a cluster changes (debounced per cluster). */
  start(): void {
    for (const c of this.world.clusters) {
      c.on('change', () => {
        if (this.pending.has(c.name)) return;
        this.pending.set(
          c.name,
          setTimeout(() => {
            this.pending.delete(c.name);
            this.refreshHealth(c);
          }, 20),
        );
      });
    }
  }

  stop(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  /** The apps (with their instance) that track this repository and branch. */
  tracking(
    repoURL: string,
    branch: string,
    defaultBranch: string,
  ): { instance: ArgoInstanceState; app: AppObj }[] {
    const out: { instance: ArgoInstanceState; app: AppObj }[] = [];
    for (const instance of this.world.instances) {
      for (const app of instance.list() as AppObj[]) {
        const src = app.spec.source ?? app.spec.sources?.[0];
        if (!src || src.chart || normalizeRepo(src.repoURL ?? '') !== normalizeRepo(repoURL)) continue;
        const target =
          !src.targetRevision || src.targetRevision === 'HEAD' ? defaultBranch : src.targetRevision;
        if (target === branch) out.push({ instance, app });
      }
    }
    return out;
  }

  /**
   * A tracked branch moved to `sha`: auto-synced apps whose manifests it changes sync to it, the
   * others turn OutOfSync. An app the move leaves as it was stays Synced at the new revision, with
   * no operation and no history entry: Argo CD auto-syncs only an OutOfSync app
   * (controller/appcontroller.go, autoSync: "Skipping auto-sync: application status is Synced").
   */
  async onBranchMoved(repoURL: string, branch: string, sha: string, defaultBranch: string): Promise<void> {
    for (const { instance, app } of this.tracking(repoURL, branch, defaultBranch)) {
      const auto = !!app.spec.syncPolicy?.automated && app.spec.syncPolicy.automated.enabled !== false;
      if (auto && (await this.unchanged(app, sha))) {
        instance.patch(app.metadata.name, app.metadata.namespace, (a) => {
          const s = ((a as AppObj).status ??= {});
          s.sync = { ...(s.sync ?? {}), revision: sha };
        });
      } else if (auto)
        await this.sync(instance, app.metadata.name, app.metadata.namespace, sha, { automated: true });
      else {
        instance.patch(app.metadata.name, app.metadata.namespace, (a) => {
          const s = ((a as AppObj).status ??= {});
          s.sync = { ...(s.sync ?? {}), status: 'OutOfSync', revision: sha };
        });
      }
    }
  }

  /**
   * Whether an app synced and Synced would render the same at `sha` as at the revision it runs
   * (a single source only: a multi-source app is compared by Argo CD across all its sources).
   */
  private async unchanged(app: AppObj, sha: string): Promise<boolean> {
    const s = app.status;
    const running = s?.sync?.revision;
    if (!running || s?.sync?.status !== 'Synced' || (app.spec.sources ?? []).length) return false;
    if (s.operationState?.phase === 'Running') return false;
    try {
      const [before, after] = await Promise.all([this.render(app, running), this.render(app, sha)]);
      if (before.complete && after.complete)
        return JSON.stringify(before.manifests) === JSON.stringify(after.manifests);
      // A Helm chart is not rendered here: it renders the same when no file under its path moved.
      const src = app.spec.source as { repoURL: string; path?: string };
      const dir = src.path ? `${src.path.replace(/\/$/, '')}/` : '';
      const under = (files: Map<string, string>) =>
        JSON.stringify([...files].filter(([p]) => p.startsWith(dir)).sort(([a], [b]) => (a < b ? -1 : 1)));
      const [was, now] = await Promise.all([
        this.git.files(src.repoURL, running),
        this.git.files(src.repoURL, sha),
      ]);
      return under(was) === under(now);
    } catch {
      return false;
    }
  }

  /** Desired manifests of an app at a revision. */
  async desired(app: AppObj, revision: string): Promise<Manifest[]> {
    return (await this.render(app, revision)).manifests;
  }

  /**
   * The manifests Git asks for at a revision, and whether that is all of them: kustomize and
   * plain directories build completely; a Helm chart's templates are not rendered here, only its
   * values applied to the workloads it runs, so its other resources are unknown.
   */
  async render(app: AppObj, revision: string): Promise<{ manifests: Manifest[]; complete: boolean }> {
    const src = app.spec.source ?? app.spec.sources?.[0];
    const files = await this.git.files(src.repoURL, revision);
    return renderApp(app, files, () => {
      const cluster = this.world.clusterFor(app);
      return cluster
        ? ([...cluster.all()].filter(
            (o) =>
              o.metadata.labels?.['app.kubernetes.io/instance'] === app.metadata.name &&
              ['Deployment', 'StatefulSet'].includes(o.kind),
          ) as unknown as Manifest[])
        : [];
    });
  }

  /** Sync one app to a revision, as Argo CD's sync operation does. */
  async sync(
    instance: ArgoInstanceState,
    name: string,
    namespace: string | undefined,
    revision: string,
    initiatedBy: { username?: string; automated?: boolean },
    revisions?: string[],
  ): Promise<{ phase: 'Succeeded' | 'Failed'; message: string }> {
    const app = instance.get(name, namespace) as AppObj | undefined;
    if (!app) return { phase: 'Failed', message: `application ${name} not found` };
    const cluster = this.world.clusterFor(app);
    const src = app.spec.source ?? app.spec.sources?.[0];
    // A multi-source app carries `revisions`/`sources` where a single-source one has
    // `revision`/`source` (types.go; the controller renders the first source only).
    const multi = (app.spec.sources ?? []).length > 0;
    const revs = multi
      ? (revisions ??
        (app.spec.sources as { targetRevision?: string }[]).map((_s, i) => (i === 0 ? revision : '')))
      : undefined;
    const at = multi ? { revisions: revs } : { revision };
    const from = multi ? { sources: app.spec.sources } : { source: src };
    const startedAt = new Date(this.timing.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    instance.patch(name, namespace, (a) => {
      const s = ((a as AppObj).status ??= {});
      s.operationState = {
        operation: { sync: { ...at, ...from }, initiatedBy },
        phase: 'Running',
        message: 'one or more tasks are running',
        startedAt,
      };
    });
    let manifests: Manifest[] = [];
    let failure: string | undefined;
    let children: AppObj[] = [];
    try {
      if (!cluster)
        throw new Error(`cluster ${app.spec.destination?.server ?? app.spec.destination?.name} is not known`);
      manifests = await this.desired(app, revision);
      const r = this.rollouts.get(cluster.name) as Rollouts;
      for (const m of manifests) r.apply(m);
      children = this.applyApplications(instance, manifests.filter(isApplication));
    } catch (e) {
      failure = (e as Error).message;
    }
    const finishedAt = new Date(this.timing.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const images = [
      ...new Set(
        manifests.flatMap((m) =>
          (((m.spec as AppObj['spec'])?.template?.spec?.containers ?? []) as { image?: string }[])
            .map((c) => c.image)
            .filter((i): i is string => !!i),
        ),
      ),
    ];
    instance.patch(name, namespace, (a) => {
      const s = ((a as AppObj).status ??= {});
      const resources = manifests.map((m) => ({
        group: m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '',
        version: m.apiVersion.split('/').at(-1),
        kind: m.kind,
        namespace: m.metadata.namespace,
        name: m.metadata.name,
        status: 'Synced',
      }));
      if (failure) {
        s.operationState = { ...s.operationState, phase: 'Failed', message: failure, finishedAt };
        return;
      }
      const history = [...(s.history ?? [])];
      const id = Math.max(-1, ...history.map((h: { id: number }) => h.id)) + 1;
      history.push({ id, ...at, deployedAt: finishedAt, deployStartedAt: startedAt, ...from, initiatedBy });
      const limit = (a as AppObj).spec.revisionHistoryLimit ?? 10;
      s.history = history.slice(-limit);
      s.sync = {
        status: 'Synced',
        ...at,
        comparedTo: { ...from, destination: (a as AppObj).spec.destination },
      };
      s.resources = resources;
      s.summary = { ...(s.summary ?? {}), images };
      s.operationState = {
        operation: { sync: { ...at, ...from }, initiatedBy },
        phase: 'Succeeded',
        message: 'successfully synced (all tasks run)',
        startedAt,
        finishedAt,
        syncResult: {
          ...at,
          ...from,
          resources: resources.map((r) => ({
            ...r,
            message: `${r.kind.toLowerCase()}/${r.name} configured`,
            syncPhase: 'Sync',
            hookPhase: 'Running',
          })),
        },
      };
      s.conditions = (s.conditions ?? []).filter((c: { type: string }) => c.type !== 'SyncError');
      s.reconciledAt = finishedAt;
    });
    if (cluster) this.refreshHealth(cluster);
    // A child whose Application changed is compared again: automated ones sync to what they track.
    for (const child of children) await this.specChanged(instance, child, { repoURL: src.repoURL, revision });
    return failure
      ? { phase: 'Failed', message: failure }
      : { phase: 'Succeeded', message: 'successfully synced (all tasks run)' };
  }

  /**
   * An app of apps' sync applies its Application manifests to Argo CD (they are the Application
   * resources Argo CD watches), as `kubectl apply` merges: what Git sets wins, what Git set last
   * time and no longer does goes, and what only the live object has stays — an override Image
   * Updater wrote with write-back argocd survives a sync of the app of apps that never set it.
   * Returns the children whose spec changed, or that are new.
   */
  private applyApplications(instance: ArgoInstanceState, manifests: Manifest[]): AppObj[] {
    const changed: AppObj[] = [];
    for (const m of manifests as unknown as AppObj[]) {
      const ns = m.metadata.namespace ?? instance.controlNamespace;
      const key = `${instance.name}/${ns}/${m.metadata.name}`;
      const cur = instance.get(m.metadata.name, ns) as AppObj | undefined;
      const desired = {
        spec: m.spec,
        labels: m.metadata.labels ?? {},
        annotations: m.metadata.annotations ?? {},
      };
      // Before the first apply here, what Git says now counts as last applied: nothing only the live
      // object has is removed until Git has set it and stopped.
      const last = this.lastApplied.get(key) ?? desired;
      this.lastApplied.set(key, structuredClone(desired));
      if (!cur) {
        instance.upsert({
          ...structuredClone(m),
          metadata: { ...structuredClone(m.metadata), namespace: ns },
          status: { sync: { status: 'OutOfSync' }, health: { status: 'Missing' } },
        } as AppObj);
        changed.push(instance.get(m.metadata.name, ns) as AppObj);
        continue;
      }
      const spec = threeWay(cur.spec, desired.spec, last.spec);
      const labels = threeWay(cur.metadata.labels ?? {}, desired.labels, last.labels);
      const annotations = threeWay(cur.metadata.annotations ?? {}, desired.annotations, last.annotations);
      // Compared as values: the stored Application has the wire's key order, Git its own.
      const specSame = isDeepStrictEqual(cur.spec, spec);
      if (
        specSame &&
        isDeepStrictEqual(cur.metadata.labels ?? {}, labels) &&
        isDeepStrictEqual(cur.metadata.annotations ?? {}, annotations)
      )
        continue;
      const meta = {
        ...cur.metadata,
        ...(Object.keys(labels).length ? { labels } : { labels: undefined }),
        ...(Object.keys(annotations).length ? { annotations } : { annotations: undefined }),
      };
      instance.upsert({ ...cur, metadata: meta, spec } as AppObj);
      if (!specSame) changed.push(instance.get(m.metadata.name, ns) as AppObj);
    }
    return changed;
  }

  /**
   * An app whose spec changed (its app of apps applied a new manifest, or Image Updater wrote an
   * override): automated ones sync to the revision they track, others turn OutOfSync. `from`: the
   * repository and revision just synced by the app of apps, which an app in the same one tracks too.
   */
  async specChanged(
    instance: ArgoInstanceState,
    child: AppObj,
    from?: { repoURL: string; revision: string },
  ): Promise<void> {
    const src = child.spec.source ?? child.spec.sources?.[0];
    const auto = !!child.spec.syncPolicy?.automated && child.spec.syncPolicy.automated.enabled !== false;
    // In the parent's repository it tracks the same branch; elsewhere it stays at what it compared.
    const same = from && src?.repoURL && normalizeRepo(src.repoURL) === normalizeRepo(from.repoURL);
    const revision = same
      ? from.revision
      : (child.status?.sync?.revision ?? child.status?.sync?.revisions?.[0] ?? src?.targetRevision ?? 'HEAD');
    if (auto && !src?.chart)
      await this.sync(instance, child.metadata.name, child.metadata.namespace, revision, { automated: true });
    else
      instance.patch(child.metadata.name, child.metadata.namespace, (a) => {
        const s = ((a as AppObj).status ??= {});
        s.sync = { ...(s.sync ?? {}), status: 'OutOfSync' };
      });
  }

  /** Recompute health of every app on a cluster; write only what changed. */
  refreshHealth(cluster: ClusterState): void {
    for (const instance of this.world.instances) {
      for (const app of instance.list() as AppObj[]) {
        if (this.world.clusterFor(app) !== cluster) continue;
        const h = this.assess(app, cluster);
        const cur = app.status?.health;
        const resources = (app.status?.resources ?? []) as {
          kind: string;
          namespace?: string;
          name: string;
          health?: unknown;
        }[];
        const nextResources = resources.map((r) => {
          const rh = h.resources.get(`${r.kind}/${r.namespace ?? ''}/${r.name}`);
          return rh
            ? {
                ...r,
                health: rh.message ? { status: rh.status, message: rh.message } : { status: rh.status },
              }
            : r;
        });
        const changed =
          cur?.status !== h.status ||
          cur?.message !== h.message ||
          JSON.stringify(resources) !== JSON.stringify(nextResources);
        if (!changed) continue;
        instance.patch(app.metadata.name, app.metadata.namespace, (a) => {
          const s = ((a as AppObj).status ??= {});
          s.health = {
            status: h.status,
            ...(h.message ? { message: h.message } : {}),
            lastTransitionTime:
              cur?.status !== h.status
                ? new Date(this.timing.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
                : cur?.lastTransitionTime,
          };
          s.resources = nextResources;
        });
      }
    }
  }
}
