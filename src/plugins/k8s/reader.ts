/**
 * Read-only access to one cluster. This class is the only door to the Kubernetes API for the
 * plugin, and it opens for get, list and logs only: the API objects of @kubernetes/client-node
 * stay private, so no create, patch or delete is reachable from deckhand's plugins.
 */
import { STATUS_CODES } from 'node:http';
import type {
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  ApiException,
  CoreV1Event,
  V1DaemonSet,
  V1Deployment,
  V1Endpoints,
  V1Job,
  V1Node,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1ResourceQuota,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { NotFoundError, UpstreamError, InputError } from '../../core/errors.ts';
import type { ClusterConfig } from './config.ts';

export interface LogOptions {
  container?: string;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  autoscaling: AutoscalingV2Api;
}

/**
 * client-node is large (~80 MB resident once loaded): a bot that is only asked about Argo CD
 * never loads it; the first Kubernetes read does.
 */
async function connect(c: ClusterConfig, secrets?: (values: string[]) => void): Promise<Apis> {
  const k8s = await import('@kubernetes/client-node');
  const kc = kubeConfigFor(new k8s.KubeConfig(), c);
  secrets?.(credentialsOf(kc));
  return {
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    batch: kc.makeApiClient(k8s.BatchV1Api),
    autoscaling: kc.makeApiClient(k8s.AutoscalingV2Api),
  };
}

function kubeConfigFor(kc: KubeConfig, c: ClusterConfig): KubeConfig {
  if (c.inCluster) {
    kc.loadFromCluster();
  } else if (c.kubeconfig) {
    kc.loadFromFile(c.kubeconfig);
    if (c.context) kc.setCurrentContext(c.context);
  } else {
    kc.loadFromOptions({
      clusters: [
        { name: c.name, server: c.url ?? c.server, caFile: c.caFile, skipTLSVerify: c.insecureSkipTlsVerify },
      ],
      users: [{ name: 'deckhand', token: c.token }],
      contexts: [{ name: c.name, cluster: c.name, user: 'deckhand' }],
      currentContext: c.name,
    });
  }
  return kc;
}

/**
 * The credentials a kubeconfig or the pod's service account gave: they are secrets deckhand did
 * not read from its own config, so the redaction step learns them here.
 */
function credentialsOf(kc: KubeConfig): string[] {
  const out: string[] = [];
  for (const u of kc.getUsers()) {
    out.push(
      ...([u.token, u.password, u.keyData, u.keyFile && readQuietly(u.keyFile)].filter(
        (v) => !!v,
      ) as string[]),
    );
    const cfg = (u.authProvider as { config?: Record<string, string> } | undefined)?.config ?? {};
    for (const k of ['access-token', 'id-token', 'refresh-token']) if (cfg[k]) out.push(cfg[k]);
    if (cfg.tokenFile) out.push(readQuietly(cfg.tokenFile) ?? '');
  }
  return out.map((v) => v.trim()).filter(Boolean);
}

function readQuietly(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Status body of a Kubernetes error, when the server sent one. */
function statusMessage(body: unknown): string | undefined {
  try {
    const b =
      typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string });
    return b?.message;
  } catch {
    return typeof body === 'string' ? body.slice(0, 300) : undefined;
  }
}

/** Which configured credential a cluster's 401 is about: where to look, in the config's own words. */
function credentialHint(c: ClusterConfig): string {
  if (c.inCluster)
    return `Check the service account token mounted in deckhand's pod (plugins.k8s.clusters[${c.name}] uses inCluster).`;
  if (c.kubeconfig)
    return `Check the user of ${c.context ? `context ${c.context} in ` : ''}the kubeconfig named by plugins.k8s.clusters[${c.name}].kubeconfig.`;
  return `Check the token of plugins.k8s.clusters[${c.name}]; it must be a service account's bearer token valid for ${c.url ?? c.server}.`;
}

export class KubeReader {
  readonly name: string;
  readonly server: string;
  readonly #cfg: ClusterConfig;
  #apis?: Promise<Apis>;
  readonly #timeoutMs: number;
  readonly #secrets?: (values: string[]) => void;

  /** `secrets` is told the credentials the client loads (a kubeconfig's token, the pod's). */
  constructor(cfg: ClusterConfig, secrets?: (values: string[]) => void) {
    this.name = cfg.name;
    this.server = cfg.server;
    this.#cfg = cfg;
    this.#timeoutMs = cfg.timeoutMs;
    this.#secrets = secrets;
  }

  /** Run one API call under the cluster's deadline and turn failures into deckhand errors. */
  async #call<T>(
    what: string,
    fn: (apis: Apis, opts: object) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const deadline = AbortSignal.timeout(this.#timeoutMs);
    const s = signal ? AbortSignal.any([deadline, signal]) : deadline;
    // client-node's object API hands call-time middleware to its observable layer unwrapped (it
    // calls `.toPromise()` on what `pre` returns), its promise API wraps it first: answer both.
    const both = <V>(v: V) => Object.assign(Promise.resolve(v), { toPromise: () => Promise.resolve(v) });
    const opts = {
      middleware: [
        {
          pre: (ctx: { setSignal(x: AbortSignal): void }) => (ctx.setSignal(s), both(ctx)),
          post: <R>(r: R) => both(r),
        },
      ],
      middlewareMergeStrategy: 'append',
    };
    const backend = `kubernetes@${this.name}`;
    try {
      return await fn(await this.apis(), opts);
    } catch (e) {
      const ex = e as ApiException<unknown> & { cause?: { code?: string } };
      // An abort is a DOMException whose numeric `code` (23) is not an HTTP status: say what it is.
      if (deadline.aborted) {
        throw new UpstreamError(
          backend,
          'timeout',
          `Kubernetes (${this.name}) did not answer within ${this.#timeoutMs / 1000} s (${what}).`,
        );
      }
      if (typeof ex.code === 'number' && !(e instanceof DOMException)) {
        // Never ex.message: client-node puts the response's headers in it ("HTTP-Code: 401
        // Message: … Headers: {…}"). The Status object's message, else the status line's words.
        const msg = statusMessage(ex.body) ?? `HTTP ${ex.code} ${STATUS_CODES[ex.code] ?? ''}`.trim();
        if (ex.code === 404) throw new NotFoundError(`Kubernetes (${this.name}): ${msg}.`);
        if (ex.code === 400) throw new InputError(`Kubernetes (${this.name}) refused to ${what}: ${msg}`);
        if (ex.code === 401) {
          // 401: the credential itself was not accepted (expired, revoked, another cluster's);
          // RBAC would answer 403. Say which credential, never what it is.
          throw new UpstreamError(
            backend,
            'unauthorized',
            `Kubernetes (${this.name}) did not accept deckhand's credentials (HTTP 401${statusMessage(ex.body) ? `, ${msg}` : ''}) when asked to ${what}.`,
            { status: ex.code, hint: credentialHint(this.#cfg) },
          );
        }
        if (ex.code === 403) {
          throw new UpstreamError(
            backend,
            'forbidden',
            `Kubernetes (${this.name}) refused to ${what}: ${msg}`,
            {
              status: ex.code,
              hint: "deckhand's service account needs get/list on this resource (see deploy/ for the read-only ClusterRole).",
            },
          );
        }
        throw new UpstreamError(backend, 'error', `Kubernetes (${this.name}) failed to ${what}: ${msg}`, {
          status: ex.code,
        });
      }
      if (signal?.aborted) throw e;
      const reason = ex.cause?.code ?? (e as Error).message;
      throw new UpstreamError(backend, 'unreachable', `Cannot reach Kubernetes (${this.name}): ${reason}.`, {
        cause: e,
      });
    }
  }

  private apis(): Promise<Apis> {
    this.#apis ??= connect(this.#cfg, this.#secrets).catch((e: unknown) => {
      this.#apis = undefined; // a bad kubeconfig today may be fixed by the next call
      throw e;
    });
    return this.#apis;
  }

  /**
   * Load client-node and build the clients now rather than at the first read. Loading it blocks
   * the event loop for a few hundred milliseconds; a serving bot takes that at start, not in the
   * middle of an alert storm (webhook answers p99 348 → 95 ms, bench/alert-storm.bench.ts). A
   * failure here is the first read's to report.
   */
  async warm(): Promise<void> {
    await this.apis().catch(() => undefined);
  }

  async listPods(
    namespace: string,
    q: { labelSelector?: string; fieldSelector?: string } = {},
    signal?: AbortSignal,
  ): Promise<V1Pod[]> {
    return (
      await this.#call(
        `list pods in ${namespace}`,
        (a, o) => a.core.listNamespacedPod({ namespace, ...q }, o),
        signal,
      )
    ).items;
  }

  getPod(namespace: string, name: string, signal?: AbortSignal): Promise<V1Pod> {
    return this.#call(
      `read pod ${namespace}/${name}`,
      (a, o) => a.core.readNamespacedPod({ namespace, name }, o),
      signal,
    );
  }

  async listEvents(namespace: string, fieldSelector?: string, signal?: AbortSignal): Promise<CoreV1Event[]> {
    return (
      await this.#call(
        `list events in ${namespace}`,
        (a, o) => a.core.listNamespacedEvent({ namespace, fieldSelector }, o),
        signal,
      )
    ).items;
  }

  readLog(namespace: string, pod: string, opts: LogOptions = {}, signal?: AbortSignal): Promise<string> {
    return this.#call(
      `read the log of ${namespace}/${pod}`,
      (a, o) => a.core.readNamespacedPodLog({ namespace, name: pod, ...opts }, o),
      signal,
    );
  }

  async listServices(namespace: string, signal?: AbortSignal): Promise<V1Service[]> {
    return (
      await this.#call(
        `list services in ${namespace}`,
        (a, o) => a.core.listNamespacedService({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listEndpoints(namespace: string, signal?: AbortSignal): Promise<V1Endpoints[]> {
    return (
      await this.#call(
        `list endpoints in ${namespace}`,
        (a, o) => a.core.listNamespacedEndpoints({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listPvcs(namespace: string, signal?: AbortSignal): Promise<V1PersistentVolumeClaim[]> {
    return (
      await this.#call(
        `list PVCs in ${namespace}`,
        (a, o) => a.core.listNamespacedPersistentVolumeClaim({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listQuotas(namespace: string, signal?: AbortSignal): Promise<V1ResourceQuota[]> {
    return (
      await this.#call(
        `list quotas in ${namespace}`,
        (a, o) => a.core.listNamespacedResourceQuota({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listNodes(signal?: AbortSignal): Promise<V1Node[]> {
    return (await this.#call('list nodes', (a, o) => a.core.listNode({}, o), signal)).items;
  }

  async listDeployments(namespace: string, signal?: AbortSignal): Promise<V1Deployment[]> {
    return (
      await this.#call(
        `list deployments in ${namespace}`,
        (a, o) => a.apps.listNamespacedDeployment({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listReplicaSets(namespace: string, signal?: AbortSignal): Promise<V1ReplicaSet[]> {
    return (
      await this.#call(
        `list replica sets in ${namespace}`,
        (a, o) => a.apps.listNamespacedReplicaSet({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listStatefulSets(namespace: string, signal?: AbortSignal): Promise<V1StatefulSet[]> {
    return (
      await this.#call(
        `list stateful sets in ${namespace}`,
        (a, o) => a.apps.listNamespacedStatefulSet({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listDaemonSets(namespace: string, signal?: AbortSignal): Promise<V1DaemonSet[]> {
    return (
      await this.#call(
        `list daemon sets in ${namespace}`,
        (a, o) => a.apps.listNamespacedDaemonSet({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listJobs(namespace: string, signal?: AbortSignal): Promise<V1Job[]> {
    return (
      await this.#call(
        `list jobs in ${namespace}`,
        (a, o) => a.batch.listNamespacedJob({ namespace }, o),
        signal,
      )
    ).items;
  }

  async listHpas(namespace: string, signal?: AbortSignal): Promise<V2HorizontalPodAutoscaler[]> {
    return (
      await this.#call(
        `list autoscalers in ${namespace}`,
        (a, o) => a.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, o),
        signal,
      )
    ).items;
  }
}
