/**
 * One reading of an Argo CD Application for the whole bot: a typed view built once per read from
 * the raw object, tolerant of every field being absent, null or zero-valued (argocd-server
 * marshals with Go's encoding/json, which keeps non-`omitempty` zero values — `"status": ""` —
 * and never omits a struct value — `"health": {}`), of single- and multi-source apps, Helm, OCI
 * and plugin sources, Image Updater overrides, pending and running operations, deletion,
 * ApplicationSet ownership and retries. Renderers read this, never the raw object.
 */
import { at, bool, num, obj, objs, str, strMap, strs, time } from './read.ts';
import { readImageUpdater, readImages, type ImageUpdaterView, type ImageView } from './images.ts';
import { readOperations, type OperationView } from './operation.ts';
import { readSources, type SourceView } from './sources.ts';

/** Argo CD's sync codes, plus the state of an app the controller has not compared yet. */
export type SyncState = 'Synced' | 'OutOfSync' | 'Unknown' | 'NotReconciled';
export type HealthState =
  'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown' | 'NotReconciled';

export const SYNC_STATES: readonly SyncState[] = ['Synced', 'OutOfSync', 'Unknown', 'NotReconciled'];
export const HEALTH_STATES: readonly HealthState[] = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
  'NotReconciled',
];

export interface ResourceView {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  sync?: string;
  health?: { status: string; message?: string };
  hook: boolean;
  requiresPruning: boolean;
  syncWave?: number;
}

export interface HistoryView {
  id: number;
  revisions: string[];
  /** The images the Application's own source set then (`kustomize.images`), as Argo CD recorded them. */
  images?: string[];
  /** The Helm parameters the Application's own source set then (where write-back argocd keeps a Helm image). */
  helmParameters?: { name: string; value: string }[];
  deployedAt?: string;
  startedAt?: string;
  initiatedBy?: string;
}

export interface AppView {
  name: string;
  namespace?: string;
  project: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** False until the controller has compared the app once (no sync status, health or reconciledAt). */
  reconciled: boolean;
  sync: SyncState;
  health: HealthState;
  healthMessage?: string;
  sources: SourceView[];
  multiSource: boolean;
  destination: { server?: string; name?: string; namespace?: string };
  autoSync: { enabled: boolean; prune: boolean; selfHeal: boolean };
  /** The operation requested or under way, and the last finished one. */
  operation?: OperationView;
  lastOperation?: OperationView;
  deleting?: { since: string; cascade: boolean };
  /** The ApplicationSet (or other owner) that generates this app: change it there, not here. */
  ownedBy?: { kind: string; name: string };
  images: ImageView[];
  imageUpdater?: ImageUpdaterView;
  resources: ResourceView[];
  conditions: { type: string; message: string; at?: string }[];
  history: HistoryView[];
  reconciledAt?: string;
  externalURLs: string[];
  /** Plain notes on what could not be read from the object. */
  unreadable: string[];
}

/** Sync status as a word, cheap enough for lists of thousands. */
export function syncOf(app: unknown): SyncState {
  const s = str(at(app, 'status', 'sync', 'status'));
  if (s === 'Synced' || s === 'OutOfSync' || s === 'Unknown') return s;
  return s ? 'Unknown' : 'NotReconciled';
}

/** Health status as a word, cheap enough for lists of thousands. */
export function healthOf(app: unknown): HealthState {
  const h = str(at(app, 'status', 'health', 'status'));
  if (!h) return 'NotReconciled';
  return (HEALTH_STATES as readonly string[]).includes(h) ? (h as HealthState) : 'Unknown';
}

function readResources(status: unknown): ResourceView[] {
  return objs(at(status, 'resources')).flatMap((r) => {
    const kind = str(r.kind);
    const name = str(r.name);
    if (!kind || !name) return [];
    const hs = str(at(r, 'health', 'status'));
    return [
      {
        ...(str(r.group) ? { group: str(r.group) } : {}),
        ...(str(r.version) ? { version: str(r.version) } : {}),
        kind,
        ...(str(r.namespace) ? { namespace: str(r.namespace) } : {}),
        name,
        ...(str(r.status) ? { sync: str(r.status) } : {}),
        ...(hs
          ? {
              health: {
                status: hs,
                ...(str(at(r, 'health', 'message')) ? { message: str(at(r, 'health', 'message')) } : {}),
              },
            }
          : {}),
        hook: bool(r.hook) ?? false,
        requiresPruning: bool(r.requiresPruning) ?? false,
        ...(num(r.syncWave) !== undefined ? { syncWave: num(r.syncWave) } : {}),
      },
    ];
  });
}

function readHistory(status: unknown): HistoryView[] {
  return objs(at(status, 'history'))
    .flatMap((h, i): HistoryView[] => {
      const revisions = strs(h.revisions);
      const one = str(h.revision);
      const automated = bool(at(h, 'initiatedBy', 'automated'));
      const by = automated ? 'auto-sync' : str(at(h, 'initiatedBy', 'username'));
      const sources = [at(h, 'source'), ...objs(at(h, 'sources'))].filter(Boolean);
      const images = sources.flatMap((s) => strs(at(s, 'kustomize', 'images')));
      const params = sources.flatMap((s) =>
        objs(at(s, 'helm', 'parameters')).flatMap((p) =>
          str(p.name) && str(p.value) ? [{ name: p.name as string, value: p.value as string }] : [],
        ),
      );
      return [
        {
          id: num(h.id) ?? i,
          revisions: revisions.length ? revisions : one ? [one] : [],
          ...(images.length ? { images } : {}),
          ...(params.length ? { helmParameters: params } : {}),
          ...(time(h.deployedAt) ? { deployedAt: time(h.deployedAt) } : {}),
          ...(time(h.deployStartedAt) ? { startedAt: time(h.deployStartedAt) } : {}),
          ...(by ? { initiatedBy: by } : {}),
        },
      ];
    })
    .sort((a, b) => b.id - a.id);
}

const CASCADE = /^(?:resources-finalizer\.argocd\.argoproj\.io|post-delete-finalizer\.argocd\.argoproj\.io)/;

export function readApplication(app: unknown): AppView {
  const unreadable: string[] = [];
  if (!obj(app)) unreadable.push('the application is not an object');
  const meta = at(app, 'metadata');
  const spec = at(app, 'spec');
  const status = at(app, 'status');
  const name = str(at(meta, 'name'));
  if (!name) unreadable.push('metadata.name is missing');
  if (!obj(spec)) unreadable.push('spec is missing');
  const annotations = strMap(at(meta, 'annotations'));
  const { sources, notes } = readSources(app);
  unreadable.push(...notes);
  if (obj(spec) && sources.length === 0) unreadable.push('spec has neither source nor sources');
  const multiSource = objs(at(spec, 'sources')).length > 0;
  const automated = obj(at(spec, 'syncPolicy', 'automated'));
  const retryLimit = num(at(spec, 'syncPolicy', 'retry', 'limit'));
  const ops = readOperations(app, retryLimit);
  const sync = syncOf(app);
  const health = healthOf(app);
  const reconciledAt = time(at(status, 'reconciledAt'));
  const deletedAt = time(at(meta, 'deletionTimestamp'));
  const owner = objs(at(meta, 'ownerReferences')).find((o) => str(o.kind) && str(o.name));
  const updater = readImageUpdater(annotations);
  const finalizers = strs(at(meta, 'finalizers'));
  return {
    name: name ?? '(unnamed)',
    ...(str(at(meta, 'namespace')) ? { namespace: str(at(meta, 'namespace')) } : {}),
    project: str(at(spec, 'project')) ?? 'default',
    labels: strMap(at(meta, 'labels')),
    annotations,
    reconciled: sync !== 'NotReconciled' || health !== 'NotReconciled' || !!reconciledAt,
    sync,
    health,
    ...(str(at(status, 'health', 'message')) ? { healthMessage: str(at(status, 'health', 'message')) } : {}),
    sources,
    multiSource,
    destination: {
      ...(str(at(spec, 'destination', 'server')) ? { server: str(at(spec, 'destination', 'server')) } : {}),
      ...(str(at(spec, 'destination', 'name')) ? { name: str(at(spec, 'destination', 'name')) } : {}),
      ...(str(at(spec, 'destination', 'namespace'))
        ? { namespace: str(at(spec, 'destination', 'namespace')) }
        : {}),
    },
    autoSync: {
      // `automated: {}` turns auto-sync on; `enabled: false` (Argo CD 3.1+) turns it off again.
      enabled: !!automated && bool(automated.enabled) !== false,
      prune: bool(automated?.prune) ?? false,
      selfHeal: bool(automated?.selfHeal) ?? false,
    },
    ...(ops.current ? { operation: ops.current } : {}),
    ...(ops.last ? { lastOperation: ops.last } : {}),
    ...(deletedAt
      ? { deleting: { since: deletedAt, cascade: finalizers.some((f) => CASCADE.test(f)) } }
      : {}),
    ...(owner ? { ownedBy: { kind: str(owner.kind) as string, name: str(owner.name) as string } } : {}),
    images: readImages(strs(at(status, 'summary', 'images')), sources, updater, multiSource),
    ...(updater ? { imageUpdater: updater } : {}),
    resources: readResources(status),
    conditions: objs(at(status, 'conditions')).flatMap((c) =>
      str(c.type)
        ? [
            {
              type: str(c.type) as string,
              message: str(c.message) ?? '',
              ...(time(c.lastTransitionTime) ? { at: time(c.lastTransitionTime) } : {}),
            },
          ]
        : [],
    ),
    history: readHistory(status),
    ...(reconciledAt ? { reconciledAt } : {}),
    externalURLs: strs(at(status, 'summary', 'externalURLs')),
    unreadable,
  };
}
