/**
 * Sync and rollback as Argo CD runs them: the request records an operation and answers with the
 * Application; the operation then runs (Running → Succeeded or Failed) after a short delay. What a
 * sync does to the cluster is the sandbox's GitOps controller's business, plugged in as a hook.
 */
import type { ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState } from '../world.ts';
import { ArgoApiError, GRPC } from './errors.ts';
import type { Json } from '../json.ts';

type App = ScenarioApplication & {
  metadata: Record<string, Json>;
  spec: Record<string, Json>;
  status?: Json;
  operation?: Json;
};

export interface SyncRun {
  /** The first source's revision (the only one of a single-source app). */
  revision: string;
  /** One resolved revision per source of a multi-source app. */
  revisions?: string[];
  prune?: boolean;
  dryRun?: boolean;
  initiatedBy: { username?: string; automated?: boolean };
}

/** What a sync does; the controller implements it. Without one, the app is marked synced as it is. */
export interface SyncHook {
  sync(
    instance: ArgoInstanceState,
    name: string,
    namespace: string | undefined,
    run: SyncRun,
  ): Promise<{ phase: 'Succeeded' | 'Failed'; message: string }>;
  /** The sha a revision expression (branch, HEAD, tag) stands for in the app's repository. */
  resolve?(repoURL: string, revision: string): Promise<string | undefined>;
}

export const SYNC_FAILS = 'deckhand.dev/sandbox-sync-fails';

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const isAuto = (a: App) => !!a.spec.syncPolicy?.automated && a.spec.syncPolicy.automated.enabled !== false;

function refuseBusy(app: App): void {
  if (app.metadata.deletionTimestamp)
    throw new ArgoApiError(GRPC.FailedPrecondition, 'application is deleting');
  // util/argo/argo.go SetAppOperation; the gRPC interceptor keeps only the inner status message.
  if (app.operation) {
    throw new ArgoApiError(GRPC.FailedPrecondition, 'another operation is already in progress');
  }
}

export class Operations {
  private readonly delayMs: number;
  private readonly hook?: SyncHook;

  constructor(opts: { delayMs: number; hook?: SyncHook }) {
    this.delayMs = opts.delayMs;
    this.hook = opts.hook;
  }

  async sync(
    instance: ArgoInstanceState,
    app: App,
    body: Record<string, unknown>,
    user: string,
  ): Promise<App> {
    refuseBusy(app);
    const sources = ((app.spec.sources as Json[] | undefined) ?? []) as Record<string, Json>[];
    const resolve = async (src: Record<string, Json> | undefined, rev: string) =>
      !/^[0-9a-f]{40}$/.test(rev) && src?.repoURL && !src.chart && this.hook?.resolve
        ? ((await this.hook.resolve(src.repoURL as string, rev)) ?? rev)
        : rev;
    const flags = { ...(body.prune ? { prune: true } : {}), ...(body.dryRun ? { dryRun: true } : {}) };
    const syncOptions = (body.syncOptions as { items?: string[] } | undefined)?.items;
    if (sources.length) {
      // server/application/application.go Sync: one resolved revision per source; `revisions`
      // with 1-based `sourcePositions` override single sources.
      const asked = (body.revisions as string[] | undefined) ?? [];
      const positions = (body.sourcePositions as (number | string)[] | undefined) ?? [];
      const revisions = await Promise.all(
        sources.map((src, i) => {
          const at = positions.findIndex((p) => Number(p) === i + 1);
          return resolve(src, (at >= 0 ? asked[at] : undefined) || (src.targetRevision as string) || 'HEAD');
        }),
      );
      const run: SyncRun = {
        revision: revisions[0] ?? '',
        revisions,
        prune: !!body.prune,
        dryRun: !!body.dryRun,
        initiatedBy: { username: user },
      };
      return this.start(instance, app, run, {
        sync: { ...flags, ...(syncOptions ? { syncOptions } : {}), sources, revisions },
      });
    }
    const src = app.spec.source as Record<string, Json> | undefined;
    const revision = await resolve(
      src,
      (body.revision as string | undefined) || (src?.targetRevision as string) || 'HEAD',
    );
    const run: SyncRun = {
      revision,
      prune: !!body.prune,
      dryRun: !!body.dryRun,
      initiatedBy: { username: user },
    };
    return this.start(instance, app, run, {
      sync: { revision, ...flags, ...(syncOptions ? { syncOptions } : {}), ...(src ? { source: src } : {}) },
    });
  }

  async rollback(
    instance: ArgoInstanceState,
    app: App,
    body: Record<string, unknown>,
    user: string,
  ): Promise<App> {
    if (isAuto(app))
      throw new ArgoApiError(
        GRPC.FailedPrecondition,
        'rollback cannot be initiated when auto-sync is enabled',
      );
    refuseBusy(app);
    const id = Number(body.id);
    const entry = (
      (app.status?.history ?? []) as {
        id: number;
        revision?: string;
        revisions?: string[];
        source?: { repoURL?: string };
        sources?: Json[];
      }[]
    ).find((h) => h.id === id);
    if (!entry)
      throw new ArgoApiError(
        GRPC.InvalidArgument,
        `application ${app.metadata.namespace}/${app.metadata.name} does not have deployment with id ${id}`,
      );
    // A multi-source entry carries sources and revisions; a single-source one a source (which the
    // wire always holds, `{repoURL: ""}` when empty) and a revision.
    const multi = (entry.sources ?? []).length > 0;
    if (!multi && !entry.source?.repoURL)
      throw new ArgoApiError(
        GRPC.FailedPrecondition,
        'cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.',
      );
    const run: SyncRun = {
      revision: (multi ? entry.revisions?.[0] : entry.revision) ?? '',
      ...(multi ? { revisions: entry.revisions ?? [] } : {}),
      prune: !!body.prune,
      dryRun: !!body.dryRun,
      initiatedBy: { username: user },
    };
    const flags = { ...(run.prune ? { prune: true } : {}), ...(run.dryRun ? { dryRun: true } : {}) };
    return this.start(instance, app, run, {
      sync: {
        ...(multi
          ? { revisions: entry.revisions ?? [], sources: entry.sources }
          : { revision: run.revision, source: entry.source }),
        ...flags,
        syncStrategy: { apply: {} },
      },
    });
  }

  private start(
    instance: ArgoInstanceState,
    app: App,
    run: SyncRun,
    operation: Record<string, unknown>,
  ): App {
    const name = app.metadata.name;
    const ns = app.metadata.namespace;
    const op = { ...operation, initiatedBy: run.initiatedBy, retry: {} };
    // SetAppOperation sets `operation` and clears the last operationState; that is the answer.
    const updated = instance.patch(name, ns, (a) => {
      const x = a as App;
      x.operation = op;
      if (x.status) delete x.status.operationState;
    }) as App;
    const startedAt = now();
    // The controller picks the operation up at once and reports it running; `operation` stays
    // until the operation completes (controller/appcontroller.go setOperationState).
    instance.patch(name, ns, (a) => {
      const x = a as App;
      x.status = {
        ...(x.status ?? {}),
        operationState: {
          operation: op,
          phase: 'Running',
          message: 'one or more tasks are running',
          startedAt,
        },
      };
    });
    setTimeout(() => void this.finish(instance, name, ns, run, op, startedAt), this.delayMs).unref();
    return updated;
  }

  private async finish(
    instance: ArgoInstanceState,
    name: string,
    ns: string | undefined,
    run: SyncRun,
    op: Record<string, unknown>,
    startedAt: string,
  ): Promise<void> {
    const app = instance.get(name, ns) as App | undefined;
    if (!app) return;
    const failure = app.metadata.annotations?.[SYNC_FAILS];
    let result: { phase: 'Succeeded' | 'Failed'; message: string };
    if (failure) result = { phase: 'Failed', message: failure };
    else if (run.dryRun) result = { phase: 'Succeeded', message: 'successfully synced (dry run)' };
    else if (this.hook)
      result = await this.hook
        .sync(instance, name, ns, run)
        .catch((e: unknown) => ({ phase: 'Failed' as const, message: (e as Error).message }));
    else result = { phase: 'Succeeded', message: 'successfully synced (all tasks run)' };
    instance.patch(name, ns, (a) => {
      const x = a as App;
      delete x.operation;
      const st = (x.status ??= {});
      // A hook that synced wrote its own operation state; only fill in what it left out.
      const cur = st.operationState ?? {};
      st.operationState = {
        ...cur,
        operation: cur.operation ?? op,
        phase: result.phase,
        message: result.message,
        startedAt: cur.startedAt ?? startedAt,
        finishedAt: now(),
        ...(result.phase === 'Failed' ? { retryCount: cur.retryCount ?? 0 } : {}),
      };
      if (result.phase === 'Succeeded' && !this.hook && !run.dryRun) {
        st.sync = { ...(st.sync ?? {}), status: 'Synced', revision: run.revision };
      }
    });
  }
}
