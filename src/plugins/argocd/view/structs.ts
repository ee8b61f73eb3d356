/**
 * The struct values argocd-server always sends. Go's encoding/json never omits a struct value
 * (pkg/apis/application/v1alpha1/types.go: Application.spec and .status, ApplicationSpec.destination,
 * ApplicationStatus.sync/.health/.summary, OperationState.operation, Operation.initiatedBy/.retry,
 * RevisionHistory.source/.initiatedBy, SyncOperationResult.source), so code may rely on them being
 * objects. An Application that arrives without them — from a fixture, a proxy, a hand-written
 * scenario — gets them here, once, as empty objects, and loses list entries that name nothing;
 * nothing else is invented or changed.
 */
import type { Application } from '../types.ts';

type O = Record<string, unknown>;
const isObj = (v: unknown): v is O => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (parent: O, key: string): O => {
  if (!isObj(parent[key])) parent[key] = {};
  return parent[key] as O;
};

function operation(op: O): void {
  obj(op, 'initiatedBy');
  obj(op, 'retry');
}

/** The application with every always-present struct in place (the input is changed and returned). */
export function withStructs<T extends Application>(input: T): T {
  if (!isObj(input))
    return { metadata: {}, spec: { destination: {}, project: '' }, status: {} } as unknown as T;
  const app = input as unknown as O;
  obj(app, 'metadata');
  const spec = obj(app, 'spec');
  obj(spec, 'destination');
  if (typeof spec.project !== 'string') spec.project = '';
  const status = obj(app, 'status');
  const sync = obj(status, 'sync');
  if (typeof sync.status !== 'string') sync.status = '';
  obj(status, 'health');
  obj(status, 'summary');
  if (isObj(status.operationState)) {
    const st = status.operationState;
    operation(obj(st, 'operation'));
    if (isObj(st.syncResult)) obj(st.syncResult, 'source');
    // `delete` only what is there: deleting turns an object into a slower, larger dictionary.
  } else if (status.operationState !== undefined) delete status.operationState;
  if (isObj(app.operation)) operation(app.operation);
  else if (app.operation !== undefined) delete app.operation;
  // Entries that name nothing say nothing: Argo CD never sends them, a reader cannot use them.
  const named = (list: unknown, ...keys: string[]) =>
    Array.isArray(list)
      ? list.filter((x) => isObj(x) && keys.every((k) => typeof x[k] === 'string' && x[k] !== ''))
      : list;
  if (status.resources !== undefined) status.resources = named(status.resources, 'kind', 'name');
  if (status.conditions !== undefined) status.conditions = named(status.conditions, 'type');
  const result = isObj(status.operationState) ? status.operationState.syncResult : undefined;
  if (isObj(result) && result.resources !== undefined)
    result.resources = named(result.resources, 'kind', 'name');
  if (Array.isArray(status.history))
    for (const h of status.history)
      if (isObj(h)) {
        obj(h, 'source');
        obj(h, 'initiatedBy');
      }
  return input;
}
