/**
 * The sandbox's Argo CD API server: the REST subset deckhand uses, with Argo CD's shapes, status
 * codes and messages (see the contracts' api-notes §1), bearer-token auth, and the fault knobs of
 * SandboxServer. It reads and changes one Argo CD instance of the World.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SandboxServer, json, readJson } from '../http.ts';
import type { KubeObject, ScenarioApplication } from '../scenario.ts';
import type { ArgoInstanceState, World } from '../world.ts';
import { appHealth, getApp, isHook, matcher, queryFrom, withResourceHealth } from './apps.ts';
import { ArgoApiError, GRPC, NoRoute, argoFail, noRoute } from './errors.ts';
import { LIST_FIELDS, applyFields, parseFields } from './fields.ts';
import { podLogs } from './logs.ts';
import { Operations, type SyncHook } from './operations.ts';
import { streamApplications } from './stream.ts';
import { getCluster, getProject, listClusters, settings } from './catalog.ts';
import { hideSecrets, liveResource, resourceActions, resourceQuery } from './resource.ts';
import { compare } from './diff.ts';
import type { Json } from '../json.ts';
import { buildTree, liveManaged, managedRefs } from './tree.ts';

/** Commit metadata, answered by the sandbox's Git layer. */
export interface RevisionSource {
  metadata(
    repoURL: string,
    revision: string,
  ): Promise<{ author: string; date: string; message: string; tags?: string[] } | undefined>;
}

export interface ArgoServerOptions {
  revisions?: RevisionSource;
  hook?: SyncHook;
  /** How long an operation runs before it finishes (Argo CD takes seconds; tests take less). */
  syncDelayMs?: number;
  version?: string;
  /**
   * The manifests Git says the app should have at its target revision (the repo server's job in
   * Argo CD). Without it, targetState is the live object, or what the resource's
   * `deckhand.dev/sandbox-target` annotation carries.
   */
  desired?: (app: ScenarioApplication) => Promise<{ manifests: KubeObject[]; complete: boolean } | undefined>;
}

function token(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const cookie = /(?:^|;\s*)argocd\.token=([^;]+)/.exec(req.headers.cookie ?? '');
  return cookie?.[1];
}

export function createArgoServer(
  world: World,
  instance: ArgoInstanceState,
  opts: ArgoServerOptions = {},
): SandboxServer {
  const ops = new Operations({ delayMs: opts.syncDelayMs ?? 1_000, hook: opts.hook });
  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (!path.startsWith('/api/'))
      return json(res, 404, { error: 'Not Found', code: GRPC.NotFound, message: 'Not Found' });
    if (req.method !== 'GET' && (req.headers['content-type'] ?? '').toLowerCase() !== 'application/json') {
      res.writeHead(415, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Invalid content type\n');
      return;
    }
    const t = token(req);
    // The settings answer anyone (server/settings/settings.go ignores the auth error), the rest
    // only a session; a logged-in caller also sees the controller's namespace.
    if (url.pathname === '/api/v1/settings' && req.method === 'GET')
      return json(res, 200, settings(instance, t === instance.token));
    if (!t) return argoFail(res, GRPC.Unauthenticated, 'no session information');
    if (t !== instance.token)
      return argoFail(res, GRPC.Unauthenticated, 'invalid session: token signature is invalid');
    try {
      await route(req, res, url);
    } catch (e) {
      if (e instanceof NoRoute) return noRoute(res);
      if (e instanceof ArgoApiError) return argoFail(res, e.code, e.message);
      if (e instanceof SyntaxError)
        return argoFail(res, GRPC.InvalidArgument, `invalid character in request body: ${e.message}`);
      throw e;
    }
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname;
    const params = url.searchParams;
    if (p === '/api/version' && req.method === 'GET')
      return json(res, 200, { Version: opts.version ?? 'v3.1.0+sandbox', Platform: 'linux/amd64' });
    if (p === '/api/v1/clusters' && req.method === 'GET')
      return json(res, 200, listClusters(world, instance, params));
    const cl = /^\/api\/v1\/clusters\/([^/]+)$/.exec(p);
    if (cl && req.method === 'GET')
      return json(res, 200, getCluster(world, instance, decodeURIComponent(cl[1] as string), params));
    const pr = /^\/api\/v1\/projects\/([^/]+)$/.exec(p);
    if (pr && req.method === 'GET')
      return json(res, 200, getProject(world, decodeURIComponent(pr[1] as string)));
    if (p === '/api/v1/session/userinfo')
      return json(res, 200, { loggedIn: true, username: 'deckhand', iss: 'argocd' });
    if (p === '/api/v1/stream/applications' && req.method === 'GET')
      return streamApplications(world, instance, req, res, url);
    if (p === '/api/v1/applications' && req.method === 'GET') {
      const match = matcher(queryFrom(params), instance);
      const items = instance.list().filter(match);
      const fields = parseFields(params.get('fields'), { prefix: 'items.', whitelist: LIST_FIELDS });
      // ApplicationList.items is not omitempty and an empty list comes back nil from protobuf:
      // `"items": null` (forwarder_overwrite.go writes exactly that).
      const shown = fields ? items.map((a) => applyFields(a, fields)) : items;
      const body = {
        metadata: { resourceVersion: instance.resourceVersion },
        items: shown.length ? shown : null,
      };
      return json(res, 200, body);
    }
    const m = /^\/api\/v1\/applications\/([^/]+)(\/.*)?$/.exec(p);
    if (!m) throw new NoRoute();
    const name = decodeURIComponent(m[1] as string);
    const sub = m[2] ?? '';
    if (sub === '' && req.method === 'GET')
      return json(res, 200, withResourceHealth(world, instance, getApp(instance, name, params)));
    if (sub === '/resource-tree' && req.method === 'GET') {
      const app = getApp(instance, name, params);
      const { nodes } = buildTree(app, world.clusterFor(app), instance);
      // ApplicationTree's lists are all omitempty.
      return json(res, 200, nodes.length ? { nodes } : {});
    }
    if ((sub === '/resource' || sub === '/resource/actions') && req.method === 'GET') {
      // resourceName, version and kind are proto2 `required` in ApplicationResourceRequest: the
      // gateway's client fails to marshal a request without them (500 Internal).
      const required = ['resourceName', 'version', 'kind'].find((k) => !params.has(k));
      if (required)
        throw new ArgoApiError(
          GRPC.Internal,
          `grpc: error while marshaling: proto: required field "${required}" not set`,
        );
      const app = getApp(instance, name, params);
      const q = resourceQuery(params);
      // Actions may be asked of the Application itself (getUnstructuredLiveResourceOrApp).
      const self =
        sub === '/resource/actions' &&
        q.kind === 'Application' &&
        q.group === 'argoproj.io' &&
        q.resourceName === app.metadata.name;
      const live = self
        ? (app as unknown as Record<string, Json>)
        : liveResource(app, world.clusterFor(app), instance, q);
      return json(
        res,
        200,
        sub === '/resource' ? { manifest: JSON.stringify(live) } : resourceActions(live, q),
      );
    }
    if (sub === '/managed-resources' && req.method === 'GET')
      return await managedResources(res, name, params);
    if (sub === '/events' && req.method === 'GET') return events(res, name, params);
    if ((sub === '/logs' || sub.startsWith('/pods/')) && req.method === 'GET') {
      const app = getApp(instance, name, params);
      const pod = /^\/pods\/([^/]+)\/logs$/.exec(sub)?.[1];
      return podLogs(
        world,
        instance,
        app,
        res,
        params,
        pod ? decodeURIComponent(pod) : (params.get('podName') ?? undefined),
      );
    }
    const rev = /^\/revisions\/([^/]+)\/metadata$/.exec(sub);
    if (rev && req.method === 'GET') {
      const app = getApp(instance, name, params);
      // A multi-source app's revision belongs to the source `sourceIndex` names (0 by default).
      const spec = app.spec as { source?: { repoURL?: string }; sources?: { repoURL?: string }[] };
      const index = Number(params.get('sourceIndex') ?? 0);
      const repo = spec.sources?.length ? spec.sources[index]?.repoURL : spec.source?.repoURL;
      if (spec.sources?.length && !spec.sources[index])
        throw new ArgoApiError(
          GRPC.Unknown,
          `source index ${index} not found because there are only ${spec.sources.length} sources`,
        );
      const revision = decodeURIComponent(rev[1] as string);
      const md = repo && opts.revisions ? await opts.revisions.metadata(repo, revision) : undefined;
      if (!md)
        throw new ArgoApiError(
          GRPC.Unknown,
          `error getting revision metadata: revision ${revision} must be resolved`,
        );
      return json(res, 200, md);
    }
    if (sub === '/sync' && req.method === 'POST') {
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      // The body is decoded into ApplicationSyncRequest by encoding/json (util/grpc/json.go), where
      // syncOptions is a message `{items: [...]}`; anything else fails to unmarshal (400).
      const so = body.syncOptions;
      if (so !== undefined && so !== null && (typeof so !== 'object' || Array.isArray(so)))
        throw new ArgoApiError(
          GRPC.InvalidArgument,
          `json: cannot unmarshal ${Array.isArray(so) ? 'array' : typeof so} into Go struct field ApplicationSyncRequest.syncOptions of type application.SyncOptions`,
        );
      const app = getApp(
        instance,
        name,
        new URLSearchParams(body.appNamespace ? { appNamespace: String(body.appNamespace) } : {}),
      );
      return json(res, 200, await ops.sync(instance, app, body, 'deckhand'));
    }
    if (sub === '/rollback' && req.method === 'POST') {
      const body = ((await readJson(req)) ?? {}) as Record<string, unknown>;
      const app = getApp(
        instance,
        name,
        new URLSearchParams(body.appNamespace ? { appNamespace: String(body.appNamespace) } : {}),
      );
      return json(res, 200, await ops.rollback(instance, app, body, 'deckhand'));
    }
    throw new NoRoute();
  }

  async function managedResources(res: ServerResponse, name: string, params: URLSearchParams): Promise<void> {
    const app = getApp(instance, name, params);
    const cluster = world.clusterFor(app);
    const status = new Map(
      (
        (app.status?.resources ?? []) as { kind: string; namespace?: string; name: string; status?: string }[]
      ).map((r) => [`${r.kind}/${r.namespace ?? ''}/${r.name}`, r.status]),
    );
    const rendered = await opts.desired?.(app).catch(() => undefined);
    const key = (kind: string, ns: string | undefined, n: string) => `${kind}/${ns ?? ''}/${n}`;
    const desired = new Map(
      (rendered?.manifests ?? []).map((m) => [
        key(m.kind, m.metadata.namespace ?? app.spec.destination?.namespace, m.metadata.name),
        m,
      ]),
    );
    // argo-cd application.go ManagedResources: hooks are left out, and name, namespace, group and
    // kind filter when given (version does not).
    const want = (k: string, v: string | undefined) => !params.get(k) || params.get(k) === (v ?? '');
    const refs = managedRefs(app, cluster).filter(
      (ref) =>
        !isHook(liveManaged(ref, cluster, instance)) &&
        want('name', ref.name) &&
        want('namespace', ref.namespace) &&
        want('group', ref.group) &&
        want('kind', ref.kind),
    );
    const items = refs.map((ref) => {
      const live = liveManaged(ref, cluster, instance);
      const git = desired.get(key(ref.kind, ref.namespace, ref.name));
      let target: unknown;
      if (git) target = git;
      else if (rendered?.complete)
        target = undefined; // not in Git: would be pruned
      else {
        // What the sandbox cannot render (a chart's templates) is taken to match the cluster: no
        // invented drift. A scenario may state the Git side in an annotation.
        const annotated = live?.metadata.annotations?.['deckhand.dev/sandbox-target'];
        target = annotated ? JSON.parse(annotated) : live;
      }
      const diff = compare(live, target);
      // gitops-engine diff.go: a missing live object is modified; one Git lacks (to prune) is not.
      const modified =
        diff.modified ||
        status.get(key(ref.kind, ref.namespace, ref.name)) === 'OutOfSync' ||
        (!live && !!target);
      const states = [target, live, diff.normalizedLive, diff.predicted] as (
        Record<string, Json> | undefined
      )[];
      const [t, l, n, p] = ref.kind === 'Secret' && !ref.group ? hideSecrets(states) : states;
      const show = (o: unknown) => (o ? JSON.stringify(o) : 'null');
      // ResourceDiff's fields are all omitempty (types.go): no empty group, no false flags.
      return {
        ...(ref.group ? { group: ref.group } : {}),
        kind: ref.kind,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        name: ref.name,
        targetState: show(t),
        liveState: show(l),
        normalizedLiveState: show(n),
        predictedLiveState: show(p),
        ...(modified ? { modified } : {}),
        ...(live?.metadata.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}),
      };
    });
    // ManagedResourcesResponse.items is omitempty: no match is `{}`.
    json(res, 200, applyFields(items.length ? { items } : {}, parseFields(params.get('fields'))));
  }

  function events(res: ServerResponse, name: string, params: URLSearchParams): void {
    const app = getApp(instance, name, params);
    const rName = params.get('resourceName');
    const all = world.clusters.flatMap((c) => c.list('v1', 'Event'));
    let items;
    if (!rName) {
      items = all.filter((e) => {
        const o = (e as { involvedObject?: { kind?: string; name?: string } }).involvedObject;
        return o?.kind === 'Application' && o.name === app.metadata.name;
      });
    } else {
      const cluster = world.clusterFor(app);
      const { nodes } = buildTree(app, cluster, instance);
      const uid = params.get('resourceUID');
      const ns = params.get('resourceNamespace');
      const node = nodes.find(
        (n) => n.name === rName && (!ns || n.namespace === ns) && (!uid || n.uid === uid),
      );
      if (!node)
        throw new ArgoApiError(
          GRPC.InvalidArgument,
          `${rName} not found as part of application ${app.metadata.name}`,
        );
      items = (cluster?.list('v1', 'Event', node.namespace) ?? []).filter((e) => {
        const o = (e as { involvedObject?: { name?: string; uid?: string; kind?: string } }).involvedObject;
        return o?.name === node.name && o.kind === node.kind && (!o.uid || !node.uid || o.uid === node.uid);
      });
    }
    json(res, 200, { metadata: {}, items: items.length ? items : null });
  }

  return new SandboxServer({
    name: `argocd:${instance.name}`,
    handler,
    faults: instance,
    unavailable: (res) =>
      argoFail(res, GRPC.Unavailable, 'the sandbox Argo CD is unavailable (fault injected)'),
  });
}

export { appHealth };
