/**
 * The sandbox's Kubernetes API server: discovery, list/get/watch with label and field selectors
 * and paging, server-side printing for kubectl, pod logs, and Leases (the only writes). Errors are
 * metav1.Status objects with the API server's reasons and messages, so the real kubectl and
 * @kubernetes/client-node work against it unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { matchesSelector, parseSelector } from '../../core/labels.ts';
import { SandboxServer, json, readJson, sandboxTls } from '../http.ts';
import type { Json } from '../json.ts';
import type { KubeObject } from '../scenario.ts';
import type { ClusterState, ObjectEvent } from '../world.ts';
import { apiVersionOf, findResource, groupList, resourceList, type ResourceType } from './resources.ts';
import { matchesFields, parseFieldSelector } from './selectors.ts';
import { toTable, wantsTable } from './table.ts';
import { podLog } from './logs.ts';

/** A kubeconfig for the sandbox cluster, trusting the sandbox certificate. */
export function kubeconfigFor(url: string, token: string, name: string): string {
  const ca = Buffer.from(sandboxTls().cert).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `  - name: ${name}`,
    '    cluster:',
    `      server: ${url}`,
    ...(url.startsWith('https') ? [`      certificate-authority-data: ${ca}`] : []),
    'users:',
    `  - name: deckhand-${name}`,
    '    user:',
    `      token: ${token}`,
    'contexts:',
    `  - name: ${name}`,
    '    context:',
    `      cluster: ${name}`,
    `      user: deckhand-${name}`,
    `current-context: ${name}`,
    '',
  ].join('\n');
}

export const SERVICE_ACCOUNT = 'system:serviceaccount:deckhand:deckhand';

export function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

/** What the request addresses, parsed from the path. */
interface Target {
  res: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
}

function parsePath(path: string): Target | 'unknown' | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group = '';
  let version: string;
  let rest: string[];
  if (parts[0] === 'api') {
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub] = rest;
  if (!plural) return undefined;
  if (plural === 'namespaces' && !namespace && name)
    return { res: findResource('', 'v1', 'namespaces') as ResourceType, name, sub };
  const res = findResource(group, version, plural);
  if (!res) return 'unknown';
  return { res, namespace, name, sub };
}

const qualified = (r: ResourceType) => (r.group ? `${r.plural}.${r.group}` : r.plural);

export function createKubeServer(
  cluster: ClusterState,
  opts: { version?: string; tls?: boolean } = {},
): SandboxServer {
  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (req.headers.authorization !== `Bearer ${cluster.token}`)
      return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (path === '/version') {
      const [major, minor] = (opts.version ?? 'v1.31.6').replace(/^v/, '').split('.');
      return json(res, 200, {
        major,
        minor,
        gitVersion: opts.version ?? 'v1.31.6',
        gitCommit: 'sandbox',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    if (path === '/api')
      return json(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }],
      });
    if (path === '/apis') return json(res, 200, groupList());
    const gv = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(path);
    if (gv) {
      const list = gv[1] ? resourceList('', 'v1') : resourceList(gv[2] as string, gv[3] as string);
      return list
        ? json(res, 200, list)
        : status(res, 404, 'NotFound', 'the server could not find the requested resource');
    }
    const t = parsePath(path);
    if (!t || t === 'unknown')
      return status(res, 404, 'NotFound', 'the server could not find the requested resource', {});
    const method = req.method ?? 'GET';
    if (method === 'GET') return read(t, req, res, url);
    if (t.res.writable && (method === 'POST' || method === 'PUT')) return writeLease(t, req, res, method);
    const verb =
      { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method] ?? method.toLowerCase();
    const where = t.namespace ? ` in the namespace "${t.namespace}"` : '';
    return status(
      res,
      403,
      'Forbidden',
      `${qualified(t.res)}${t.name ? ` "${t.name}"` : ''} is forbidden: User "${SERVICE_ACCOUNT}" cannot ${verb} resource "${t.res.plural}" in API group "${t.res.group}"${where}`,
      { ...(t.name ? { name: t.name } : {}), group: t.res.group, kind: t.res.plural },
    );
  };

  function notFound(res: ServerResponse, t: Target): void {
    status(res, 404, 'NotFound', `${qualified(t.res)} "${t.name}" not found`, {
      name: t.name,
      group: t.res.group,
      kind: t.res.plural,
    });
  }

  function read(t: Target, req: IncomingMessage, res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    const av = apiVersionOf(t.res);
    if (t.name && t.sub === 'log' && t.res.kind === 'Pod') {
      const pod = cluster.get(av, 'Pod', t.namespace, t.name);
      if (!pod) return notFound(res, t);
      return podLog(cluster, pod, q, res);
    }
    if (t.name && t.sub)
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (t.name) {
      const o = cluster.get(av, t.res.kind, t.res.namespaced ? t.namespace : undefined, t.name);
      if (!o) return notFound(res, t);
      if (wantsTable(req.headers.accept))
        return json(
          res,
          200,
          toTable(t.res.kind, [o], cluster.resourceVersion, Date.now(), q.get('includeObject')),
        );
      return json(res, 200, o);
    }
    let labels: ReturnType<typeof parseSelector> = [];
    let fields: ReturnType<typeof parseFieldSelector> = [];
    try {
      labels = q.get('labelSelector') ? parseSelector(q.get('labelSelector') as string) : [];
      fields = q.get('fieldSelector') ? parseFieldSelector(q.get('fieldSelector') as string) : [];
    } catch (e) {
      return status(
        res,
        400,
        'BadRequest',
        (e as Error).message.replace(/^Invalid label selector/, 'unable to parse requirement'),
      );
    }
    const keep = (o: KubeObject) => matchesSelector(labels, o.metadata.labels) && matchesFields(fields, o);
    if (q.get('watch') === 'true' || q.get('watch') === '1') return watch(t, keep, req, res, url);
    const all = cluster.list(av, t.res.kind, t.res.namespaced ? t.namespace : undefined).filter(keep);
    const limit = Number(q.get('limit') ?? 0);
    const offset = q.get('continue')
      ? Number(Buffer.from(q.get('continue') as string, 'base64url').toString()) || 0
      : 0;
    const page = limit > 0 ? all.slice(offset, offset + limit) : all.slice(offset);
    const next =
      limit > 0 && offset + limit < all.length
        ? Buffer.from(String(offset + limit)).toString('base64url')
        : undefined;
    if (wantsTable(req.headers.accept)) {
      const table = toTable(
        t.res.kind,
        page as Json[],
        cluster.resourceVersion,
        Date.now(),
        q.get('includeObject'),
      );
      return json(res, 200, {
        ...table,
        metadata: { ...table.metadata, ...(next ? { continue: next } : {}) },
      });
    }
    json(res, 200, {
      kind: `${t.res.kind}List`,
      apiVersion: av,
      metadata: {
        resourceVersion: cluster.resourceVersion,
        ...(next ? { continue: next, remainingItemCount: all.length - offset - limit } : {}),
      },
      items: page.map((o) => ({ ...o, apiVersion: av, kind: t.res.kind })),
    });
  }

  function watch(
    t: Target,
    keep: (o: KubeObject) => boolean,
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): void {
    const q = url.searchParams;
    const av = apiVersionOf(t.res);
    const since = Number(q.get('resourceVersion') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Headers go out at once, as the API server's do: a client knows its watch is established.
    res.flushHeaders();
    const inScope = (o: KubeObject) =>
      o.kind === t.res.kind &&
      (o.apiVersion === av || o.apiVersion.endsWith(`/${t.res.version}`) || t.res.group === '') &&
      (!t.res.namespaced || !t.namespace || o.metadata.namespace === t.namespace);
    if (!since)
      for (const o of cluster.list(av, t.res.kind, t.res.namespaced ? t.namespace : undefined).filter(keep))
        res.write(JSON.stringify({ type: 'ADDED', object: o }) + '\n');
    const onChange = (e: ObjectEvent<KubeObject>) => {
      if (!inScope(e.object) || !keep(e.object)) return;
      if (since && Number(e.object.metadata.resourceVersion ?? 0) <= since) return;
      res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
    };
    cluster.on('change', onChange);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    const end = () => {
      cluster.off('change', onChange);
      clearTimeout(timer);
    };
    req.on('close', end);
    res.on('close', end);
  }

  async function writeLease(
    t: Target,
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
  ): Promise<void> {
    let body: Json;
    try {
      body = await readJson(req);
    } catch {
      return status(res, 400, 'BadRequest', 'the request body is not valid JSON');
    }
    const name = (body?.metadata?.name as string | undefined) ?? t.name;
    if (!name || !t.namespace)
      return status(
        res,
        422,
        'Invalid',
        'Lease.coordination.k8s.io is invalid: metadata.name: Required value',
      );
    const current = cluster.get('coordination.k8s.io/v1', 'Lease', t.namespace, name);
    const q = `leases.coordination.k8s.io "${name}"`;
    if (method === 'POST') {
      if (current)
        return status(res, 409, 'AlreadyExists', `${q} already exists`, {
          name,
          group: 'coordination.k8s.io',
          kind: 'leases',
        });
      const created = cluster.upsert({
        ...body,
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...body.metadata, name, namespace: t.namespace },
      });
      return json(res, 201, created);
    }
    if (!current) return notFound(res, { ...t, name });
    if (
      body?.metadata?.resourceVersion &&
      body.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      return status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${q}: the object has been modified; please apply your changes to the latest version and try again`,
        {
          name,
          group: 'coordination.k8s.io',
          kind: 'leases',
        },
      );
    }
    const updated = cluster.upsert({
      ...body,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...current.metadata, ...body.metadata, name, namespace: t.namespace },
    });
    return json(res, 200, updated);
  }

  return new SandboxServer({
    name: `kubernetes:${cluster.name}`,
    handler,
    faults: cluster,
    unavailable: (res) =>
      status(res, 503, 'ServiceUnavailable', 'the server is currently unable to handle the request'),
    // kubectl sends bearer tokens over TLS only.
    ...(opts.tls === false ? {} : { tls: sandboxTls() }),
  });
}
