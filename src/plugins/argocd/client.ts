/**
 * The REST client of one Argo CD instance: the calls deckhand makes, typed. Paths and parameters
 * follow Argo CD's API (assets/swagger.json); streams (watch, logs) are read as NDJSON.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { UpstreamError } from '../../core/errors.ts';
import type { BackendObserver } from '../../core/metrics.ts';
import { call, callJson, type Endpoint } from './http.ts';
import type { ArgoInstanceConfig } from './config.ts';
import type { Application, ApplicationTree, RevisionMetadata } from './types.ts';
import { withStructs } from './view/structs.ts';

export interface AppLocator {
  name: string;
  /** The app's namespace, for apps in any namespace (omitted for the control plane's own). */
  namespace?: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  application: Application;
}

export interface LogLine {
  content: string;
  podName: string;
  timeStamp?: string;
}

export interface LogQuery {
  podName?: string;
  container?: string;
  tailLines?: number;
  sinceSeconds?: number;
  previous?: boolean;
  namespace?: string;
  kind?: string;
  group?: string;
  resourceName?: string;
}

const ns = (l: AppLocator) => (l.namespace ? { appNamespace: l.namespace } : {});
const enc = encodeURIComponent;

/** Split a byte stream into JSON lines and hand each parsed object on. */
export async function readNdjson(
  body: ReadableStream<Uint8Array>,
  onItem: (item: unknown) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      // Server-sent-event framing (`data: {...}`) is accepted too.
      const jsonText = line.startsWith('data:') ? line.slice(5).trim() : line;
      if (jsonText && !jsonText.startsWith(':')) onItem(JSON.parse(jsonText));
    }
  }
  const rest = buf.trim();
  if (rest) onItem(JSON.parse(rest));
}

const asDate = (v: unknown): Date | undefined =>
  v instanceof Date ? v : typeof v === 'string' && v ? new Date(v) : undefined;

function withDates(e: CoreV1Event): CoreV1Event {
  const meta = e.metadata ?? {};
  return {
    ...e,
    metadata: { ...meta, creationTimestamp: asDate(meta.creationTimestamp) },
    firstTimestamp: asDate(e.firstTimestamp),
    lastTimestamp: asDate(e.lastTimestamp),
    eventTime: asDate(e.eventTime),
  } as CoreV1Event;
}

export class ArgoInstanceClient {
  readonly name: string;
  readonly uiUrl: string;
  readonly apiUrl: string;
  private readonly ep: Endpoint;

  constructor(cfg: ArgoInstanceConfig) {
    this.name = cfg.name;
    this.apiUrl = cfg.url;
    this.uiUrl = (cfg.uiUrl ?? cfg.url).replace(/\/$/, '');
    this.ep = {
      name: cfg.name,
      url: cfg.url,
      token: cfg.token,
      timeoutMs: cfg.timeoutMs,
      retries: cfg.retries,
    };
  }

  /** Report every call of this client (latency and outcome) to `observer`, e.g. the bot's metrics. */
  observe(observer: BackendObserver): void {
    this.ep.observe = observer;
  }

  async version(signal?: AbortSignal): Promise<{ Version?: string }> {
    return callJson(this.ep, '/api/version', 'report its version', { signal });
  }

  async list(
    q: { projects?: string[]; selector?: string; appNamespace?: string; fields?: string[] } = {},
    signal?: AbortSignal,
  ): Promise<{ items: Application[]; resourceVersion?: string }> {
    const body = await callJson<{ items?: Application[] | null; metadata?: { resourceVersion?: string } }>(
      this.ep,
      '/api/v1/applications',
      'list applications',
      {
        query: {
          projects: q.projects,
          selector: q.selector,
          appNamespace: q.appNamespace,
          fields: q.fields?.length ? q.fields.join(',') : undefined,
        },
        signal,
      },
    );
    // A trimmed list (`fields`) is partial by request: it is not filled in.
    const items = (body.items ?? []).filter((a) => a && typeof a === 'object');
    return {
      items: q.fields?.length ? items : items.map(withStructs),
      resourceVersion: body.metadata?.resourceVersion,
    };
  }

  async get(
    app: AppLocator,
    opts: { refresh?: 'normal' | 'hard'; signal?: AbortSignal } = {},
  ): Promise<Application> {
    return withStructs(
      await callJson<Application>(this.ep, `/api/v1/applications/${enc(app.name)}`, `read ${app.name}`, {
        query: { ...ns(app), refresh: opts.refresh },
        signal: opts.signal,
      }),
    );
  }

  resourceTree(app: AppLocator, signal?: AbortSignal): Promise<ApplicationTree> {
    return callJson(
      this.ep,
      `/api/v1/applications/${enc(app.name)}/resource-tree`,
      `read the resource tree of ${app.name}`,
      {
        query: ns(app),
        signal,
      },
    );
  }

  async managedResources(app: AppLocator, signal?: AbortSignal): Promise<ManagedResource[]> {
    const body = await callJson<{ items?: ManagedResource[] | null }>(
      this.ep,
      `/api/v1/applications/${enc(app.name)}/managed-resources`,
      `read the managed resources of ${app.name}`,
      { query: ns(app), signal },
    );
    return body.items ?? [];
  }

  async events(
    app: AppLocator,
    resource?: { namespace?: string; name: string; uid?: string },
    signal?: AbortSignal,
  ): Promise<CoreV1Event[]> {
    const body = await callJson<{ items?: CoreV1Event[] | null }>(
      this.ep,
      `/api/v1/applications/${enc(app.name)}/events`,
      `read the events of ${app.name}`,
      {
        query: {
          ...ns(app),
          resourceNamespace: resource?.namespace,
          resourceName: resource?.name,
          resourceUID: resource?.uid,
        },
        signal,
      },
    );
    // JSON carries times as strings; client-node's Event type (which collectors and rules read)
    // has Date objects, as the Kubernetes client returns them.
    return (body.items ?? []).map(withDates);
  }

  /** A Git commit's metadata; `sourceIndex` names the source of a multi-source app (0-based). */
  revisionMetadata(
    app: AppLocator,
    revision: string,
    signal?: AbortSignal,
    sourceIndex?: number,
  ): Promise<RevisionMetadata> {
    return callJson(
      this.ep,
      `/api/v1/applications/${enc(app.name)}/revisions/${enc(revision)}/metadata`,
      `read revision ${revision.slice(0, 7)} of ${app.name}`,
      { query: { ...ns(app), sourceIndex: sourceIndex?.toString() }, signal },
    );
  }

  sync(
    app: AppLocator,
    body: { revision?: string; prune?: boolean; dryRun?: boolean; resources?: unknown[] },
    signal?: AbortSignal,
  ): Promise<Application> {
    return callJson(this.ep, `/api/v1/applications/${enc(app.name)}/sync`, `sync ${app.name}`, {
      method: 'POST',
      body: { name: app.name, ...ns(app), ...body },
      signal,
    });
  }

  rollback(
    app: AppLocator,
    id: number,
    opts: { dryRun?: boolean; prune?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<Application> {
    return callJson(this.ep, `/api/v1/applications/${enc(app.name)}/rollback`, `roll back ${app.name}`, {
      method: 'POST',
      body: { name: app.name, ...ns(app), id, ...opts },
      signal,
    });
  }

  /** Pod logs through Argo CD (the app's RBAC, no cluster credentials needed). */
  async logs(app: AppLocator, q: LogQuery, signal?: AbortSignal): Promise<LogLine[]> {
    const res = await call(
      this.ep,
      `/api/v1/applications/${enc(app.name)}/logs`,
      `read logs of ${app.name}`,
      {
        query: {
          ...ns(app),
          podName: q.podName,
          container: q.container,
          namespace: q.namespace,
          kind: q.kind,
          group: q.group,
          resourceName: q.resourceName,
          tailLines: q.tailLines?.toString(),
          sinceSeconds: q.sinceSeconds?.toString(),
          previous: q.previous ? 'true' : undefined,
          follow: 'false',
        },
        signal,
      },
    );
    const lines: LogLine[] = [];
    if (!res.body) return lines;
    await readNdjson(res.body, (item) => {
      const r = (item as { result?: LogLine & { last?: boolean }; error?: { message?: string } }).result;
      const err = (item as { error?: { message?: string } }).error;
      if (err)
        throw new UpstreamError(
          `argocd@${this.name}`,
          'error',
          `Argo CD (${this.name}) log stream failed: ${err.message}`,
        );
      if (r && !r.last) lines.push({ content: r.content, podName: r.podName, timeStamp: r.timeStamp });
    });
    return lines;
  }

  /**
   * Follow the application stream until the signal aborts or the server ends it. Resolves when the
   * stream ends; throws when it cannot be opened or breaks.
   */
  async watch(
    q: { resourceVersion?: string; name?: string; projects?: string[]; appNamespace?: string },
    onEvent: (e: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const res = await call(this.ep, '/api/v1/stream/applications', 'watch applications', {
      query: {
        resourceVersion: q.resourceVersion,
        name: q.name,
        projects: q.projects,
        appNamespace: q.appNamespace,
      },
      signal,
      // The deadline covers opening the stream only; the stream itself lives until aborted.
      timeoutMs: 24 * 3600_000,
    });
    if (!res.body) return;
    await readNdjson(res.body, (item) => {
      const env = item as {
        result?: { type: WatchEvent['type']; application: Application };
        error?: { message?: string };
      };
      if (env.error) {
        throw new UpstreamError(
          `argocd@${this.name}`,
          'error',
          `Argo CD (${this.name}) watch failed: ${env.error.message}`,
        );
      }
      if (env.result?.application && typeof env.result.application === 'object')
        onEvent({ type: env.result.type, application: withStructs(env.result.application) });
    });
  }

  /** A deep link into the Argo CD UI. */
  appUrl(app: AppLocator): string {
    const base = `${this.uiUrl}/applications/${app.namespace ? `${enc(app.namespace)}/` : ''}${enc(app.name)}`;
    return base;
  }
}

export interface ManagedResource {
  group?: string;
  kind: string;
  namespace?: string;
  name: string;
  targetState?: string;
  liveState?: string;
  normalizedLiveState?: string;
  predictedLiveState?: string;
  modified?: boolean;
  hook?: boolean;
}
