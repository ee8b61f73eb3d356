/**
 * The sandbox Argo CD against Argo CD's own API description: every response validates against the
 * swagger schema of its endpoint, errors have Argo CD's shape and statuses, the stream emits
 * well-formed events when an app changes, and the fault knobs behave like a sick server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv-draft-04';
import formatsModule from 'ajv-formats';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { parseScenario } from '../scenario.ts';
import { World, type ArgoInstanceState } from '../world.ts';
import type { SandboxServer } from '../http.ts';
import { createArgoServer } from './server.ts';
import type { Json } from '../json.ts';

const swagger = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../test/contracts/argocd-swagger.json'), 'utf8'),
) as {
  definitions: Record<string, unknown>;
  paths: Record<string, Record<string, { responses: Record<string, { schema: unknown }> }>>;
};
// Both packages are CommonJS with a default export; under Node's ESM interop it sits on .default.
const Ajv = (AjvModule.default ?? AjvModule) as typeof AjvModule.default;
const addFormats = (formatsModule.default ?? formatsModule) as typeof formatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const schemaOf = (path: string, method = 'get') =>
  ajv.compile({
    ...(swagger.paths[path]?.[method]?.responses['200']?.schema as object),
    definitions: swagger.definitions,
  });
const definition = (name: string) =>
  ajv.compile({ $ref: `#/definitions/${name}`, definitions: swagger.definitions });
const valid = (validate: ReturnType<typeof ajv.compile>, data: unknown) => {
  const ok = validate(data);
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

const scenario = `
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: {name: argo-contract}
argocd:
  - name: default
    applications:
      - metadata: {name: web, namespace: argocd, labels: {team: payments}}
        spec:
          project: default
          source: {repoURL: https://github.com/o/infra, path: apps/web, targetRevision: HEAD}
          destination: {server: https://c, namespace: web}
        status:
          sync: {status: Synced, revision: '1111111111111111111111111111111111111111'}
          health: {status: Degraded}
          resources:
            - {group: apps, version: v1, kind: Deployment, namespace: web, name: web, status: Synced}
          history:
            - {id: 0, revision: '0000000000000000000000000000000000000000', deployedAt: "2026-11-23T09:00:00Z", source: {repoURL: https://github.com/o/infra, path: apps/web}}
            - {id: 1, revision: '1111111111111111111111111111111111111111', deployedAt: "2026-11-24T09:00:00Z", source: {repoURL: https://github.com/o/infra, path: apps/web}}
      - metadata: {name: api, namespace: argocd, labels: {team: platform}}
        spec:
          project: infra
          source: {repoURL: https://github.com/o/infra, path: apps/api}
          destination: {server: https://c, namespace: api}
          syncPolicy: {automated: {prune: true}}
        status: {sync: {status: OutOfSync}, health: {status: Healthy}, history: [{id: 3, revision: abc, deployedAt: "2026-11-24T09:00:00Z", source: {repoURL: x}}]}
clusters:
  - name: c
    server: https://c
    objects:
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: web, uid: d1, generation: 2}
        spec: {replicas: 1, template: {spec: {containers: [{name: app, image: ghcr.io/o/web:1.2}]}}}
        status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0, conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded}]}
      - apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: web-5d4, namespace: web, uid: r1, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1}]}
        spec: {replicas: 1}
        status: {replicas: 1, availableReplicas: 0}
      - apiVersion: v1
        kind: Pod
        metadata: {name: web-5d4-x1, namespace: web, uid: p1, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4, uid: r1}]}
        spec: {nodeName: n1, containers: [{name: app, image: ghcr.io/o/web:1.2}]}
        status:
          phase: Running
          containerStatuses:
            - name: app
              ready: false
              restartCount: 4
              image: ghcr.io/o/web:1.2
              state: {waiting: {reason: CrashLoopBackOff, message: "back-off 1m20s restarting failed container=app pod=web-5d4-x1_web(p1)"}}
              lastState: {terminated: {reason: OOMKilled, exitCode: 137}}
      - apiVersion: v1
        kind: Event
        metadata: {name: web-5d4-x1.1, namespace: web}
        involvedObject: {kind: Pod, name: web-5d4-x1, namespace: web, uid: p1}
        reason: BackOff
        type: Warning
        message: Back-off restarting failed container app in pod web-5d4-x1_web(p1)
    logs:
      "web/web-5d4-x1/app": "starting\\nready\\n"
      "web/web-5d4-x1/app#previous": "starting\\njava.lang.OutOfMemoryError: Java heap space\\n"
`;

let world: World;
let inst: ArgoInstanceState;
let server: SandboxServer;
let url: string;
let headers: Record<string, string>;

beforeEach(async () => {
  world = new World(parseScenario(scenario), systemClock);
  inst = world.instance('default') as ArgoInstanceState;
  server = createArgoServer(world, inst, {
    syncDelayMs: 150,
    revisions: {
      metadata: async (_r, rev) =>
        rev.startsWith('1111')
          ? { author: 'Alice <a@x>', date: '2026-11-24T09:00:00Z', message: 'scale web' }
          : undefined,
    },
  });
  url = await server.listen(0);
  headers = { authorization: `Bearer ${inst.token}` };
});
afterEach(async () => server.close());

const get = async (path: string, h = headers) => {
  const res = await fetch(url + path, { headers: h });
  return { status: res.status, body: (await res.json()) as Record<string, Json> };
};
const post = async (path: string, body: unknown) => {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, Json> };
};

describe('sandbox Argo CD: responses match the swagger', () => {
  it('list, get, resource tree, managed resources, events, revision metadata', async () => {
    const list = await get('/api/v1/applications');
    expect(valid(schemaOf('/api/v1/applications'), list.body)).toEqual([]);
    expect(list.body.items.map((a: { metadata: { name: string } }) => a.metadata.name)).toEqual([
      'api',
      'web',
    ]);
    const app = await get('/api/v1/applications/web');
    expect(valid(schemaOf('/api/v1/applications/{name}'), app.body)).toEqual([]);
    expect(app.body.status.resources[0].health).toEqual({
      status: 'Degraded',
      message: 'Deployment "web" exceeded its progress deadline',
    });
    const tree = await get('/api/v1/applications/web/resource-tree');
    expect(valid(schemaOf('/api/v1/applications/{applicationName}/resource-tree'), tree.body)).toEqual([]);
    const pod = tree.body.nodes.find((n: { kind: string }) => n.kind === 'Pod');
    expect(pod).toMatchObject({
      health: { status: 'Degraded' },
      parentRefs: [{ kind: 'ReplicaSet', name: 'web-5d4', uid: 'r1' }],
    });
    expect(pod.info).toEqual([
      { name: 'Status Reason', value: 'CrashLoopBackOff' },
      { name: 'Node', value: 'n1' },
      { name: 'Containers', value: '0/1' },
      { name: 'Restart Count', value: '4' },
    ]);
    const managed = await get('/api/v1/applications/web/managed-resources');
    expect(valid(schemaOf('/api/v1/applications/{applicationName}/managed-resources'), managed.body)).toEqual(
      [],
    );
    const events = await get(
      '/api/v1/applications/web/events?resourceName=web-5d4-x1&resourceNamespace=web&resourceUID=p1',
    );
    expect(valid(schemaOf('/api/v1/applications/{name}/events'), events.body)).toEqual([]);
    expect(events.body.items).toHaveLength(1);
    const md = await get(
      '/api/v1/applications/web/revisions/1111111111111111111111111111111111111111/metadata',
    );
    expect(valid(schemaOf('/api/v1/applications/{name}/revisions/{revision}/metadata'), md.body)).toEqual([]);
    expect(md.body.message).toBe('scale web');
  });

  it('trims the list with fields, filters by project and selector', async () => {
    const trimmed = await get(
      '/api/v1/applications?fields=items.metadata.name,items.status.health,items.status.history',
    );
    expect(trimmed.body.items[0]).toEqual({
      metadata: { name: 'api' },
      status: { health: { status: 'Healthy' } },
    });
    expect(
      (await get('/api/v1/applications?projects=infra')).body.items.map(
        (a: { metadata: { name: string } }) => a.metadata.name,
      ),
    ).toEqual(['api']);
    expect((await get('/api/v1/applications?selector=team%3Dpayments')).body.items).toHaveLength(1);
    expect(
      (await get('/api/v1/applications?selector=team%20in%20(payments,platform)')).body.items,
    ).toHaveLength(2);
  });

  it('answers errors in Argo CD’s form with its statuses', async () => {
    const errorSchema = definition('runtimeError');
    const cases = [
      [await get('/api/v1/applications', {}), 401, 'no session information'],
      [
        await get('/api/v1/applications', { authorization: 'Bearer nope' }),
        401,
        'invalid session: token signature is invalid',
      ],
      [await get('/api/v1/applications/ghost'), 403, 'permission denied'],
      [
        await get('/api/v1/applications/ghost?project=default'),
        404,
        'applications.argoproj.io "ghost" not found',
      ],
      [
        await post('/api/v1/applications/api/rollback', { id: 3 }),
        400,
        'rollback cannot be initiated when auto-sync is enabled',
      ],
      [
        await post('/api/v1/applications/web/rollback', { id: 9 }),
        400,
        'application argocd/web does not have deployment with id 9',
      ],
      [
        await get('/api/v1/applications/web/events?resourceName=nope'),
        400,
        'nope not found as part of application web',
      ],
    ] as const;
    for (const [res, status, message] of cases) {
      expect(res.status, message).toBe(status);
      expect(res.body.message).toBe(message);
      expect(valid(errorSchema, res.body)).toEqual([]);
    }
    const wrongType = await fetch(`${url}/api/v1/applications/web/sync`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });

  it('syncs: records the operation, runs it, refuses a second one meanwhile, and streams the changes', async () => {
    // The operation runs until the test lets it finish, so the second sync surely meets it running.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    await server.close();
    server = createArgoServer(world, inst, {
      syncDelayMs: 0,
      hook: {
        sync: async () => {
          await gate;
          return { phase: 'Succeeded', message: 'successfully synced (all tasks run)' };
        },
      },
    });
    url = await server.listen(0);
    const ctrl = new AbortController();
    const res = await fetch(`${url}/api/v1/stream/applications?name=web`, { headers, signal: ctrl.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const events: { type: string; phase?: string }[] = [];
    const watchSchema = schemaOf('/api/v1/stream/applications');
    const pump = (async () => {
      let buf = '';
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (chunk.done) return;
        buf += new TextDecoder().decode(chunk.value);
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i));
          buf = buf.slice(i + 1);
          expect(valid(watchSchema, msg)).toEqual([]);
          events.push({ type: msg.result.type, phase: msg.result.application.status?.operationState?.phase });
        }
      }
    })();
    const started = await post('/api/v1/applications/web/sync', { prune: true });
    expect(started.status).toBe(200);
    expect(valid(schemaOf('/api/v1/applications/{name}/sync', 'post'), started.body)).toEqual([]);
    expect(started.body.operation.sync.prune).toBe(true);
    expect((await post('/api/v1/applications/web/sync', {})).body.message).toBe(
      // util/grpc/errors.go kubeErrToGRPC keeps only the wrapped status' own message.
      'another operation is already in progress',
    );
    release();
    const stop = Date.now() + 2_000;
    while (!events.some((e) => e.phase === 'Succeeded') && Date.now() < stop)
      await new Promise((r) => setTimeout(r, 10));
    ctrl.abort();
    await pump;
    expect(events[0]?.type).toBe('ADDED');
    expect(events.map((e) => e.phase)).toEqual(expect.arrayContaining(['Running', 'Succeeded']));
    // The server lets go of the watch once the client has gone.
    for (let i = 0; i < 100 && inst.listenerCount('change') > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(inst.listenerCount('change')).toBe(0);
  });

  it('streams pod logs with a final last entry, the previous container and a filter', async () => {
    const text = await (
      await fetch(
        `${url}/api/v1/applications/web/logs?podName=web-5d4-x1&container=app&previous=true&filter=OutOfMemory`,
        { headers },
      )
    ).text();
    const entries = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).result);
    expect(entries.map((e: { content: string; last: boolean }) => [e.content, e.last])).toEqual([
      ['java.lang.OutOfMemoryError: Java heap space', false],
      ['', true],
    ]);
  });

  it('obeys the fault knobs: 503 in Argo CD’s form, added latency, down and up again', async () => {
    inst.setFaults({ errorRate: 1 });
    const sick = await get('/api/v1/applications');
    expect(sick.status).toBe(503);
    expect(sick.body.code).toBe(14);
    inst.setFaults({ errorRate: 0, latencyMs: 120 });
    const t = Date.now();
    await get('/api/v1/applications');
    expect(Date.now() - t).toBeGreaterThanOrEqual(110);
    inst.setFaults({ latencyMs: 0 });
    await server.down();
    const attempt = () =>
      fetch(url + '/api/version', { headers }).then(
        () => 'answered',
        (e: unknown) => (e as { cause?: { code?: string } }).cause?.code,
      );
    // A kept-alive connection may die mid-flight first; a new one is refused.
    await attempt();
    expect(await attempt()).toBe('ECONNREFUSED');
    await server.up();
    expect((await get('/api/version')).status).toBe(200);
  });
});
