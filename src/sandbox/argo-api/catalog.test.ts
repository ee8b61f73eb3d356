/**
 * The parts of Argo CD's API a third-party client reads besides applications — clusters, projects,
 * settings, one live resource and its actions — and the rules that decide what an application
 * looks like on the wire and who may see it, each checked against the swagger and the Go source
 * named in the implementation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import type { SandboxServer } from '../http.ts';
import { parseScenario } from '../scenario.ts';
import { World, type ArgoInstanceState } from '../world.ts';
import { createArgoServer } from './server.ts';

const swagger = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../test/contracts/argocd-swagger.json'), 'utf8'),
) as {
  definitions: Record<string, unknown>;
  paths: Record<string, Record<string, { responses: Record<string, { schema: unknown }> }>>;
};
const Ajv = (AjvModule.default ?? AjvModule) as typeof AjvModule.default;
const addFormats = (formatsModule.default ?? formatsModule) as typeof formatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const errorsOf = (path: string, data: unknown) => {
  const validate = ajv.compile({
    ...(swagger.paths[path]?.get?.responses['200']?.schema as object),
    definitions: swagger.definitions,
  });
  return validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

const scenario = `
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: {name: catalog}
argocd:
  - name: default
    applicationNamespaces: [team-*]
    applications:
      - metadata: {name: web}
        spec:
          project: shop
          source: {repoURL: https://github.com/o/infra, path: web}
          destination: {server: https://c, namespace: web}
        status:
          sync: {status: Synced}
          health: {status: Healthy}
          resources:
            - {group: apps, version: v1, kind: Deployment, namespace: web, name: web, status: Synced}
            - {version: v1, kind: Secret, namespace: web, name: creds, status: Synced}
            - {group: batch, version: v1, kind: Job, namespace: web, name: migrate, hook: true}
      - metadata: {name: fresh}
        spec:
          source: {repoURL: https://github.com/o/infra, path: fresh}
          destination: {server: https://c, namespace: fresh}
      - metadata: {name: api, namespace: team-a}
        spec:
          source: {repoURL: https://github.com/o/infra, path: api}
          destination: {server: https://c, namespace: api}
      - metadata: {name: multi}
        spec:
          sources:
            - {repoURL: https://charts.example.com, chart: web, targetRevision: 1.2.3}
            - {repoURL: https://github.com/o/values, targetRevision: main, ref: values}
          destination: {server: https://c, namespace: multi}
        status:
          sync: {status: Synced, revisions: [1.2.3, '2222222222222222222222222222222222222222']}
          health: {status: Healthy}
          history:
            - id: 4
              revisions: [1.2.2, '1111111111111111111111111111111111111111']
              sources:
                - {repoURL: https://charts.example.com, chart: web, targetRevision: 1.2.2}
                - {repoURL: https://github.com/o/values, targetRevision: main, ref: values}
              deployedAt: '2026-11-20T09:00:00Z'
      - metadata: {name: hidden, namespace: elsewhere}
        spec:
          source: {repoURL: https://github.com/o/infra, path: hidden}
          destination: {server: https://c, namespace: hidden}
clusters:
  - name: prod
    server: https://c
    objects:
      - apiVersion: argoproj.io/v1alpha1
        kind: AppProject
        metadata: {name: shop, namespace: argocd}
        spec: {sourceRepos: ['*'], destinations: [{server: https://c, namespace: '*'}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: web, uid: d1, labels: {app.kubernetes.io/instance: web}}
        spec: {replicas: 1, paused: true, template: {spec: {containers: [{name: app, image: ghcr.io/o/web:1.2}]}}}
      - apiVersion: v1
        kind: Secret
        metadata: {name: creds, namespace: web, uid: s1}
        data: {password: aHVudGVyMg==}
      - apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: web, uid: j1, annotations: {argocd.argoproj.io/hook: PreSync}}
        spec: {template: {spec: {containers: [{name: m, image: ghcr.io/o/migrate:1}]}}}
`;

let world: World;
let inst: ArgoInstanceState;
let server: SandboxServer;
let url: string;

beforeEach(async () => {
  world = new World(parseScenario(scenario), systemClock);
  inst = world.instance('default') as ArgoInstanceState;
  server = createArgoServer(world, inst);
  url = await server.listen(0);
});
afterEach(async () => server.close());

const get = async (path: string) => {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${inst.token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { items?: unknown[] } };
};

describe('sandbox Argo CD: what real clients read besides applications', () => {
  it('lists and gets clusters without credentials, filtered by name and server', async () => {
    const all = await get('/api/v1/clusters');
    expect(errorsOf('/api/v1/clusters', all.body)).toEqual([]);
    expect(all.body.items).toEqual([
      expect.objectContaining({
        server: 'https://c',
        name: 'prod',
        config: { tlsClientConfig: { insecure: false } },
      }),
    ]);
    // ClusterList.items is not omitempty and comes back nil from protobuf: null.
    expect((await get('/api/v1/clusters?name=nope')).body.items).toBeNull();
    const one = await get(`/api/v1/clusters/${encodeURIComponent('https://c')}`);
    expect(one.body).toMatchObject({ name: 'prod', info: { applicationsCount: 4 } });
    expect((await get('/api/v1/clusters/prod?id.type=name')).body.server).toBe('https://c');
    expect((await get('/api/v1/clusters/nope?id.type=name')).status).toBe(403);
  });

  it('gets projects, and the default project argocd-server always makes', async () => {
    const shop = await get('/api/v1/projects/shop');
    expect(errorsOf('/api/v1/projects/{name}', shop.body)).toEqual([]);
    expect(shop.body).toMatchObject({ metadata: { name: 'shop' }, status: {} });
    expect(shop.body.kind).toBeUndefined();
    expect((await get('/api/v1/projects/default')).body).toMatchObject({ spec: { sourceRepos: ['*'] } });
    const missing = await get('/api/v1/projects/ghost');
    expect([missing.status, missing.body.message]).toEqual([
      404,
      'appprojects.argoproj.io "ghost" not found',
    ]);
  });

  it('answers settings and the version', async () => {
    const s = await get('/api/v1/settings');
    expect(errorsOf('/api/v1/settings', s.body)).toEqual([]);
    expect(s.body).toMatchObject({
      appsInAnyNamespaceEnabled: true,
      appLabelKey: 'app.kubernetes.io/instance',
      controllerNamespace: 'argocd',
    });
    // Anyone may read them; only a session sees the controller's namespace.
    const anonymous = (await (await fetch(`${url}/api/v1/settings`)).json()) as Record<string, unknown>;
    expect(anonymous.controllerNamespace).toBeUndefined();
    expect(anonymous.help).toEqual({});
  });

  it('gives one live resource of the app, with Secret values hidden, and refuses what is not in its tree', async () => {
    const q = 'namespace=web&resourceName=web&group=apps&kind=Deployment&version=v1';
    const dep = await get(`/api/v1/applications/web/resource?${q}`);
    expect(errorsOf('/api/v1/applications/{name}/resource', dep.body)).toEqual([]);
    expect(JSON.parse(dep.body.manifest as string)).toMatchObject({
      kind: 'Deployment',
      metadata: { name: 'web' },
    });
    const secret = await get(
      '/api/v1/applications/web/resource?namespace=web&resourceName=creds&kind=Secret&version=v1',
    );
    expect(JSON.parse(secret.body.manifest as string).data).toEqual({ password: '++++++++' });
    const stray = await get(
      '/api/v1/applications/web/resource?namespace=web&resourceName=nope&group=apps&kind=Deployment&version=v1',
    );
    expect([stray.status, stray.body.message]).toEqual([
      400,
      'Deployment apps nope not found as part of application web',
    ]);
  });

  it("lists a resource's actions as the built-in discovery scripts do", async () => {
    const q = 'namespace=web&resourceName=web&group=apps&kind=Deployment&version=v1';
    const { body } = await get(`/api/v1/applications/web/resource/actions?${q}`);
    expect(errorsOf('/api/v1/applications/{name}/resource/actions', body)).toEqual([]);
    // A paused Deployment: pause is disabled, resume is not.
    expect(body.actions).toEqual([
      { name: 'restart', iconClass: 'fa fa-fw fa-redo' },
      { name: 'pause', disabled: true, iconClass: 'fa fa-fw fa-pause-circle' },
      { name: 'resume', iconClass: 'fa fa-fw fa-play-circle' },
      { name: 'scale', params: [{ name: 'replicas' }], iconClass: 'fa fa-fw fa-plus-circle' },
    ]);
    const secret = await get(
      '/api/v1/applications/web/resource/actions?namespace=web&resourceName=creds&kind=Secret&version=v1',
    );
    // ResourceActionsListResponse.actions is omitempty: no actions, no field.
    expect(secret.body).toEqual({});
    const self = await get(
      '/api/v1/applications/web/resource/actions?resourceName=web&group=argoproj.io&kind=Application&version=v1alpha1',
    );
    expect(self.body.actions).toEqual([{ name: 'toggle-auto-sync', displayName: 'Enable Auto-Sync' }]);
    const noVersion = await get(
      '/api/v1/applications/web/resource?namespace=web&resourceName=web&group=apps&kind=Deployment',
    );
    expect([noVersion.status, noVersion.body.message]).toEqual([
      500,
      'grpc: error while marshaling: proto: required field "version" not set',
    ]);
  });

  it('filters managed resources and leaves hooks out', async () => {
    const all = await get('/api/v1/applications/web/managed-resources');
    expect((all.body.items as { kind: string }[]).map((i) => i.kind).sort()).toEqual([
      'Deployment',
      'Secret',
    ]);
    const deps = await get('/api/v1/applications/web/managed-resources?kind=Deployment&group=apps');
    expect(deps.body.items).toHaveLength(1);
    const secret = (all.body.items as { kind: string; liveState: string }[]).find((i) => i.kind === 'Secret');
    expect(JSON.parse(secret?.liveState ?? '{}').data).toEqual({ password: '++++++++' });
  });

  it('serves an app outside its own namespace only with appNamespace, and only from namespaces it serves', async () => {
    expect((await get('/api/v1/applications/api')).status).toBe(403);
    expect((await get('/api/v1/applications/api?appNamespace=team-a')).status).toBe(200);
    expect((await get('/api/v1/applications/hidden?appNamespace=elsewhere')).status).toBe(403);
    expect((await get('/api/v1/applications/hidden?appNamespace=elsewhere&project=default')).status).toBe(
      403,
    );
    const names = ((await get('/api/v1/applications')).body.items as { metadata: { name: string } }[]).map(
      (a) => a.metadata.name,
    );
    expect(names).toEqual(['api', 'fresh', 'multi', 'web']);
  });

  it('puts an app that was never reconciled on the wire as Go marshals it', async () => {
    const { body } = await get('/api/v1/applications/fresh');
    expect(errorsOf('/api/v1/applications/{name}', body)).toEqual([]);
    expect(body.kind).toBeUndefined();
    expect(body.status).toEqual({
      sync: { status: '', comparedTo: { source: { repoURL: '' }, destination: {} } },
      health: {},
      summary: {},
      sourceHydrator: {},
    });
    expect((body.spec as { project: string }).project).toBe('default');
  });

  it('answers a path it has no route for as grpc-gateway does: plain text', async () => {
    const res = await fetch(`${url}/api/v1/nothing-here`, {
      headers: { authorization: `Bearer ${inst.token}` },
    });
    expect([res.status, res.headers.get('content-type'), await res.text()]).toEqual([
      404,
      'text/plain; charset=utf-8',
      'Not Found\n',
    ]);
  });

  it('rolls a multi-source app back to its sources and revisions of then', async () => {
    const res = await fetch(`${url}/api/v1/applications/multi/rollback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inst.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 4 }),
    });
    expect(res.status).toBe(200);
    const sync = ((await res.json()) as { operation: { sync: Record<string, unknown> } }).operation.sync;
    expect(sync.revisions).toEqual(['1.2.2', '1111111111111111111111111111111111111111']);
    expect((sync.sources as unknown[]).length).toBe(2);
    expect(sync.revision).toBeUndefined();
  });

  it('refuses a sync whose options are not the message Argo CD expects', async () => {
    const res = await fetch(`${url}/api/v1/applications/web/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${inst.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ syncOptions: ['CreateNamespace=true'] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/cannot unmarshal array/);
  });
});
