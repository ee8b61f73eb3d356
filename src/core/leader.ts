/**
 * Who runs the once-per-deployment work (schedules, transition alerts). A single process is
 * always the leader; with several replicas, a Kubernetes Lease in the bot's namespace decides, and
 * a replica takes over within the lease duration when the leader dies. This is the only place
 * deckhand writes to a cluster.
 */
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { z } from 'zod';
import type { Clock } from './clock.ts';
import { secret } from './config/secret.ts';
import type { Logger } from './logging.ts';

export interface Leader {
  isLeader(): boolean;
  readonly identity: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  on(event: 'change', fn: (leader: boolean) => void): this;
}

export const LeaderConfigSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('elect a leader through a Kubernetes Lease (several replicas)'),
  namespace: z.string().default('deckhand'),
  name: z.string().default('deckhand-leader'),
  identity: z.string().optional().describe('this replica (default: hostname and pid)'),
  leaseDurationSeconds: z.number().int().min(2).default(15),
  renewDeadlineSeconds: z.number().int().min(1).default(10),
  retryPeriodSeconds: z.number().min(0.1).default(2),
  inCluster: z.boolean().default(false),
  kubeconfig: z.string().optional(),
  url: z.string().optional().describe('the Kubernetes API server (without inCluster or kubeconfig)'),
  token: secret(z.string()).optional(),
  caFile: z.string().optional().describe('CA certificate to trust the API server at url with'),
});
export type LeaderConfig = z.output<typeof LeaderConfigSchema>;

export class SingleProcessLeader extends EventEmitter implements Leader {
  readonly identity = `${hostname()}-${process.pid}`;
  isLeader(): boolean {
    return true;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** The MicroTime format Leases use: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export class LeaseLeader extends EventEmitter implements Leader {
  readonly identity: string;
  private apiClient?: Promise<CoordinationV1Api>;
  private readonly cfg: LeaderConfig;
  private readonly clock: Clock;
  private readonly log: Logger;
  private leading = false;
  private lastRenew = 0;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private stopped = false;

  constructor(cfg: LeaderConfig, clock: Clock, log: Logger) {
    super();
    this.cfg = cfg;
    this.clock = clock;
    this.log = log.child({ component: 'leader' });
    this.identity = cfg.identity ?? `${hostname()}-${process.pid}`;
  }

  /** client-node is loaded only by a bot that elects a leader (it is large). */
  private api(): Promise<CoordinationV1Api> {
    this.apiClient ??= import('@kubernetes/client-node').then((k8s) => {
      const kc = new k8s.KubeConfig();
      const cfg = this.cfg;
      if (cfg.inCluster) kc.loadFromCluster();
      else if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
      else {
        kc.loadFromOptions({
          clusters: [
            {
              name: 'lease',
              server: cfg.url ?? 'https://kubernetes.default.svc',
              ...(cfg.caFile ? { caFile: cfg.caFile } : {}),
              skipTLSVerify: false,
            },
          ],
          users: [{ name: 'lease', token: cfg.token }],
          contexts: [{ name: 'lease', cluster: 'lease', user: 'lease' }],
          currentContext: 'lease',
        });
      }
      return kc.makeApiClient(k8s.CoordinationV1Api);
    });
    return this.apiClient;
  }

  isLeader(): boolean {
    // A leader that could not renew within the deadline steps down on its own.
    return this.leading && this.clock.now() - this.lastRenew < this.cfg.renewDeadlineSeconds * 1000;
  }

  async start(): Promise<void> {
    await this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A renewal still on the wire would take the lease back after the release.
    await this.inflight;
    if (this.leading) {
      // Hand over at once instead of making the others wait out the lease.
      await this.release().catch(() => undefined);
      this.setLeading(false);
    }
  }

  private setLeading(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    this.log.info({ identity: this.identity, leader: v }, v ? 'became the leader' : 'no longer the leader');
    this.emit('change', v);
  }

  private async tick(): Promise<void> {
    this.inflight = this.tryAcquireOrRenew().catch((err: unknown) => {
      this.log.warn({ err: (err as Error).message }, 'lease update failed');
      if (this.leading && !this.isLeader()) this.setLeading(false);
    });
    await this.inflight;
    if (!this.stopped) {
      this.timer = setTimeout(
        () => void this.tick(),
        this.cfg.retryPeriodSeconds * 1000 * (0.9 + Math.random() * 0.2),
      );
      this.timer.unref();
    }
  }

  private async tryAcquireOrRenew(): Promise<void> {
    const { namespace, name } = this.cfg;
    // The first call loads client-node (seconds on a busy machine): the time is taken after it, or
    // the lease would be written already stale and another replica would take it at once.
    const api = await this.api();
    const now = this.clock.now();
    let lease: V1Lease | undefined;
    try {
      lease = await api.readNamespacedLease({ namespace, name });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.cfg.leaseDurationSeconds,
      acquireTime: microTime(now) as unknown as Date,
      renewTime: microTime(now) as unknown as Date,
      leaseTransitions: 0,
    };
    if (!lease) {
      await api.createNamespacedLease({
        namespace,
        body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec },
      });
      this.lastRenew = now;
      this.setLeading(true);
      return;
    }
    const holder = lease.spec?.holderIdentity;
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const duration = (lease.spec?.leaseDurationSeconds ?? this.cfg.leaseDurationSeconds) * 1000;
    const mine = holder === this.identity;
    if (!mine && holder && now < renewed + duration) {
      this.setLeading(false);
      return;
    }
    const body: V1Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.cfg.leaseDurationSeconds,
        renewTime: spec.renewTime,
        ...(mine
          ? {}
          : { acquireTime: spec.acquireTime, leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + 1 }),
      },
    };
    // resourceVersion in the body makes the update conditional: a concurrent winner gets 409.
    await api.replaceNamespacedLease({ namespace, name, body });
    this.lastRenew = now;
    this.setLeading(true);
  }

  private async release(): Promise<void> {
    const { namespace, name } = this.cfg;
    const lease = await (await this.api()).readNamespacedLease({ namespace, name });
    if (lease.spec?.holderIdentity !== this.identity) return;
    await (
      await this.api()
    ).replaceNamespacedLease({
      namespace,
      name,
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: undefined, renewTime: microTime(0) as unknown as Date },
      },
    });
  }
}
