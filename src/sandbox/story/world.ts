/**
 * What every builder of a story shares: the story's clock (ages before `now`), ids derived from
 * keys (so the same story always makes the same world), the objects written so far, pod logs, and
 * the addresses the cluster hands out.
 */
import { createHash } from 'node:crypto';
import { safe } from '../reconciler/rollout.ts';
import type { KubeObject } from '../scenario.ts';

// API objects are free-form JSON; the builders fill in the parts each kind has.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Any = any;
export type Labels = Record<string, string>;
export type Obj = KubeObject & Record<string, Any> & { metadata: Any };

export const INSTANCE = 'app.kubernetes.io/instance';
export const NAME = 'app.kubernetes.io/name';

const UNIT: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

export const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class StoryWorld {
  readonly objects: Obj[] = [];
  readonly logs: Record<string, string> = {};
  private readonly ips = new Map<string, number>();
  private readonly nodeIndex = new Map<string, number>();
  private readonly given = new Map<string, string>();

  /** Keeps the ids of different stories apart. */
  readonly seed: string;
  readonly now: number;

  constructor(seed: string, now: number) {
    this.seed = seed;
    this.now = now;
  }

  /** The moment `age` ('45s', '20m', '3h', '2d') before now. */
  ago(age: string): number {
    const m = /^(\d+)([smhd])$/.exec(age);
    if (!m) throw new Error(`bad age ${age}`);
    return this.now - Number(m[1]) * (UNIT[m[2] as string] as number);
  }

  at(age: string): string {
    return iso(this.ago(age));
  }

  uid(kind: string, namespace: string | undefined, name: string): string {
    return uuid(`${this.seed}/${kind}/${namespace ?? ''}/${name}`);
  }

  add<T extends Obj>(o: T): T {
    this.objects.push(o);
    return o;
  }

  find(kind: string, name: string, namespace?: string): Obj | undefined {
    return this.objects.find(
      (o) =>
        o.kind === kind && o.metadata.name === name && (!namespace || o.metadata.namespace === namespace),
    );
  }

  log(pod: Obj, container: string, text: string, previous?: string): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}/${container}`;
    this.logs[key] = text;
    if (previous !== undefined) this.logs[`${key}#previous`] = previous;
  }

  /** The next pod IP on a node (each node has its own /24, as flannel or Calico hand out). */
  podIp(node: string): string {
    const n = (this.ips.get(node) ?? 6) + 1;
    this.ips.set(node, n);
    return `10.42.${this.index(node)}.${n}`;
  }

  /** A node's address: the one its story gives, or the next of 10.0.0.x. */
  hostIp(node: string, given?: string): string {
    if (given) this.given.set(node, given);
    return this.given.get(node) ?? `10.0.0.${10 + this.index(node)}`;
  }

  podCidr(node: string): string {
    return `10.42.${this.index(node)}.0/24`;
  }

  private index(node: string): number {
    const i = this.nodeIndex.get(node) ?? this.nodeIndex.size + 1;
    this.nodeIndex.set(node, i);
    return i;
  }

  /** Object metadata as the API server fills it in. */
  meta(kind: string, name: string, namespace: string | undefined, created: string) {
    return {
      name,
      ...(namespace ? { namespace } : {}),
      uid: this.uid(kind, namespace, name),
      creationTimestamp: this.at(created),
    };
  }
}

const digest = (key: string) => createHash('sha256').update(`deckhand-story/${key}`).digest('hex');
export const hex = (key: string, n: number) => digest(key).slice(0, n);
/** A generated name suffix in Kubernetes' alphabet, from a key. */
export const suffix = (key: string, n: number) => safe(digest(key), n);
/** The name a controller gives the `i`th pod it creates from a prefix (`<prefix>-<suffix>`), random per namespace. */
export const podName = (prefix: string, i: number, namespace: string) =>
  `${prefix}-${suffix(`${namespace}/${prefix}/${i}`, 5)}`;
/** A Git commit id for a story's commit key. */
export const commit = (key: string) => hex(`commit/${key}`, 40);

function uuid(key: string): string {
  const h = digest(key);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const ownerRef = (o: Obj) => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  uid: o.metadata.uid,
  controller: true,
  blockOwnerDeletion: true,
});

/** Labels Argo CD puts on what it manages (and the object's own name label). */
export const managed = (app: string, name: string, more: Labels = {}): Labels => ({
  [NAME]: name,
  [INSTANCE]: app,
  ...more,
});
