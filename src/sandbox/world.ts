/**
 * The sandbox world in memory: Argo CD instances with their Applications and clusters with their
 * objects and pod logs. The fake servers read it; the reconciler and the control API change it;
 * every change is an event, which is what the watch streams send.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { applicationOnWire } from './argo-api/wire.ts';
import {
  FaultsSchema,
  type Faults,
  type KubeObject,
  type Scenario,
  type ScenarioApplication,
} from './scenario.ts';

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ObjectEvent<T> {
  type: WatchType;
  object: T;
}

type Meta = {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
};

const clone = <T>(v: T): T => structuredClone(v);

/** `apps/v1` → `apps`; `v1` → `` (the core group). */
export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';

const timeKey = /(Time|Timestamp|At|^date)$/;
const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Move every timestamp in a scenario by `deltaMs`, so a world captured at `scenario.now` looks as
 * if it had been captured just now (pod ages, event times, "deployed 5 minutes ago").
 */
export function shiftTimes<T>(value: T, deltaMs: number, key = ''): T {
  if (deltaMs === 0) return value;
  if (typeof value === 'string') {
    if (timeKey.test(key) && isoTime.test(value)) {
      const precise = value.includes('.');
      const t = new Date(Date.parse(value) + deltaMs).toISOString();
      return (precise ? t : t.replace(/\.\d{3}Z$/, 'Z')) as T;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => shiftTimes(v, deltaMs, key)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shiftTimes(v, deltaMs, k);
    return out as T;
  }
  return value;
}

const LOG_STAMP = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z/g;

/**
 * Move every UTC timestamp in a text by `deltaMs`, each written as it was (as many fraction digits;
 * those finer than a millisecond kept): a pod's log says the same moments as its status.
 */
export function shiftLogTimes(text: string, deltaMs: number): string {
  if (deltaMs === 0) return text;
  return text.replace(LOG_STAMP, (_, whole: string, fraction: string | undefined) => {
    const moved = new Date(Date.parse(`${whole}${(fraction ?? '').slice(0, 4)}Z`) + deltaMs).toISOString();
    const [seconds, ms] = moved.slice(0, -1).split('.') as [string, string];
    if (!fraction) return `${seconds}Z`;
    const digits = fraction.length - 1;
    return `${seconds}.${digits <= 3 ? ms.slice(0, digits) : ms + fraction.slice(4)}Z`;
  });
}

abstract class Versioned extends EventEmitter {
  protected rv = 1;
  faults: Faults;

  constructor(faults: Faults | undefined) {
    super();
    this.setMaxListeners(0);
    this.faults = faults ?? FaultsSchema.parse({});
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  setFaults(f: Partial<Faults>): Faults {
    this.faults = FaultsSchema.parse({ ...this.faults, ...f });
    return this.faults;
  }

  protected nextVersion(): string {
    this.rv += 1;
    return String(this.rv);
  }
}

export class ClusterState extends Versioned {
  readonly name: string;
  readonly server: string;
  readonly token: string;
  private readonly objects = new Map<string, KubeObject>();
  /** `<namespace>/<pod>/<container>` and `…#previous` → log text. */
  readonly logs = new Map<string, string>();
  private readonly clock: Clock;

  constructor(def: Scenario['clusters'][number], clock: Clock, deltaMs: number) {
    super(def.faults);
    this.name = def.name;
    this.server = def.server;
    this.token = def.token ?? `sandbox-kube-${def.name}`;
    this.clock = clock;
    for (const o of def.objects) this.upsert(shiftTimes(o as KubeObject, deltaMs), { silent: true });
    for (const [k, v] of Object.entries(def.logs)) this.logs.set(k, shiftLogTimes(v, deltaMs));
  }

  static key(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
    return `${groupOf(apiVersion)}/${kind}/${namespace ?? ''}/${name}`;
  }

  /** All objects of a kind (in one namespace, or all); copies, safe to hand out. */
  list(apiVersion: string, kind: string, namespace?: string): KubeObject[] {
    const prefix = `${groupOf(apiVersion)}/${kind}/`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (namespace !== undefined && (o.metadata.namespace ?? '') !== namespace) continue;
      out.push(o);
    }
    return out.sort((a, b) =>
      `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(
        `${b.metadata.namespace ?? ''}/${b.metadata.name}`,
      ),
    );
  }

  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(ClusterState.key(apiVersion, kind, namespace, name));
  }

  /** Every object, for building resource trees. */
  all(): IterableIterator<KubeObject> {
    return this.objects.values();
  }

  upsert(input: KubeObject, opts: { silent?: boolean } = {}): KubeObject {
    const obj = clone(input);
    const meta = obj.metadata as Meta;
    const key = ClusterState.key(obj.apiVersion, obj.kind, meta.namespace, meta.name);
    const prev = this.objects.get(key);
    meta.uid = meta.uid ?? (prev?.metadata as Meta | undefined)?.uid ?? randomUUID();
    meta.creationTimestamp =
      meta.creationTimestamp ??
      (prev?.metadata as Meta | undefined)?.creationTimestamp ??
      new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    meta.resourceVersion = this.nextVersion();
    this.objects.set(key, obj);
    if (!opts.silent)
      this.emit('change', {
        type: prev ? 'MODIFIED' : 'ADDED',
        object: obj,
      } satisfies ObjectEvent<KubeObject>);
    return obj;
  }

  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): boolean {
    const key = ClusterState.key(apiVersion, kind, namespace, name);
    const prev = this.objects.get(key);
    if (!prev) return false;
    this.objects.delete(key);
    (prev.metadata as Meta).resourceVersion = this.nextVersion();
    this.emit('change', { type: 'DELETED', object: prev } satisfies ObjectEvent<KubeObject>);
    return true;
  }
}

export class ArgoInstanceState extends Versioned {
  readonly name: string;
  readonly token: string;
  /** The UI address for links; the sandbox fills in its own URL when the scenario has none. */
  uiUrl?: string;
  /** The namespace Argo CD runs in: its own applications live there. */
  readonly controlNamespace = 'argocd';
  /** Other namespaces whose applications it serves (`application.namespaces`). */
  readonly appNamespaces: string[];
  /** Whether it assesses child Applications' health (the Lua customization Argo CD documents). */
  readonly applicationHealth: boolean;
  /** Keyed by `<namespace>/<name>`. */
  private readonly apps = new Map<string, ScenarioApplication>();

  private readonly clock: Clock;

  constructor(def: Scenario['argocd'][number], deltaMs: number, clock: Clock) {
    super(def.faults);
    this.clock = clock;
    this.name = def.name;
    this.token = def.token ?? `sandbox-argocd-${def.name}`;
    this.uiUrl = def.url;
    this.applicationHealth = def.applicationHealth ?? false;
    this.appNamespaces =
      def.applicationNamespaces ??
      [...new Set(def.applications.map((a) => a.metadata.namespace))].filter((n) => n !== 'argocd');
    for (const a of def.applications) this.upsert(shiftTimes(a, deltaMs), { silent: true });
  }

  /**
   * Whether Argo CD serves apps of this namespace: its own, or one matching `application.namespaces`
   * (argo-cd util/security/application_namespaces.go IsNamespaceEnabled; glob or /regexp/).
   */
  namespaceEnabled(ns: string): boolean {
    if (ns === this.controlNamespace) return true;
    return this.appNamespaces.some((p) => {
      if (p.length > 2 && p.startsWith('/') && p.endsWith('/')) return new RegExp(p.slice(1, -1)).test(ns);
      return new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ).test(ns);
    });
  }

  list(): ScenarioApplication[] {
    return [...this.apps.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** By name, optionally in one namespace (apps in any namespace share names across namespaces). */
  get(name: string, namespace?: string): ScenarioApplication | undefined {
    if (namespace) return this.apps.get(`${namespace}/${name}`);
    for (const a of this.apps.values()) if (a.metadata.name === name) return a;
    return undefined;
  }

  /** Store an application as argocd-server would answer it (wire.ts), whatever shape it came in. */
  upsert(input: ScenarioApplication, opts: { silent?: boolean } = {}): ScenarioApplication {
    const app = applicationOnWire(clone(input));
    const meta = app.metadata as Meta;
    const key = `${meta.namespace ?? 'argocd'}/${meta.name}`;
    const prev = this.apps.get(key);
    meta.uid = meta.uid ?? (prev?.metadata as Meta | undefined)?.uid ?? randomUUID();
    meta.creationTimestamp =
      meta.creationTimestamp ??
      (prev?.metadata as Meta | undefined)?.creationTimestamp ??
      new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    meta.resourceVersion = this.nextVersion();
    this.apps.set(key, app);
    if (!opts.silent)
      this.emit('change', {
        type: prev ? 'MODIFIED' : 'ADDED',
        object: app,
      } satisfies ObjectEvent<ScenarioApplication>);
    return app;
  }

  /** Change an application in place through a function, emitting one MODIFIED event. */
  patch(
    name: string,
    namespace: string | undefined,
    fn: (app: ScenarioApplication) => void,
  ): ScenarioApplication | undefined {
    const cur = this.get(name, namespace);
    if (!cur) return undefined;
    const next = clone(cur);
    fn(next);
    return this.upsert(next);
  }

  delete(name: string, namespace?: string): boolean {
    const cur = this.get(name, namespace);
    if (!cur) return false;
    this.apps.delete(`${cur.metadata.namespace ?? 'argocd'}/${cur.metadata.name}`);
    (cur.metadata as Meta).resourceVersion = this.nextVersion();
    this.emit('change', { type: 'DELETED', object: cur } satisfies ObjectEvent<ScenarioApplication>);
    return true;
  }
}

export class World {
  readonly scenario: Scenario;
  readonly instances: ArgoInstanceState[];
  readonly clusters: ClusterState[];
  readonly clock: Clock;

  constructor(scenario: Scenario, clock: Clock) {
    this.scenario = scenario;
    this.clock = clock;
    const delta = scenario.now ? clock.now() - Date.parse(scenario.now) : 0;
    this.instances = scenario.argocd.map((i) => new ArgoInstanceState(i, delta, clock));
    this.clusters = scenario.clusters.map((c) => new ClusterState(c, clock, delta));
  }

  instance(name: string): ArgoInstanceState | undefined {
    return this.instances.find((i) => i.name === name);
  }

  cluster(name: string): ClusterState | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  /** The cluster an application deploys to (by destination server, or by cluster name). */
  clusterFor(app: ScenarioApplication): ClusterState | undefined {
    const d = app.spec.destination;
    return this.clusters.find((c) => (d.server && c.server === d.server) || (d.name && c.name === d.name));
  }
}
