/**
 * Applications as argocd-server puts them on the wire. The API answers through a protobuf hop and
 * then Go's encoding/json (argo-cd server/server.go: grpc-gateway with util/grpc/json.go's
 * JSONMarshaler; the gateway dials the gRPC port), which decides what a client sees:
 * - struct values are always present, even with `omitempty` (`"health": {}`);
 * - a field without `omitempty` is present at its zero value (`"status": ""`, `"repoURL": ""`);
 *   an empty slice or map comes back nil from protobuf, so it is `null` without `omitempty` and
 *   absent with it; a zero metav1.Time is `null`;
 * - times are RFC 3339 in whole seconds, UTC (apimachinery metav1.Time MarshalJSON);
 * - there is no `kind` or `apiVersion`: TypeMeta is not in the protobuf message.
 * The field table follows pkg/apis/application/v1alpha1/types.go at 37ee0097 (Argo CD 3.6); a field
 * it does not know is passed through unchanged, so an object from another version keeps its data.
 */
type Kind =
  | 'string'
  | 'int'
  | 'bool'
  | 'time' // metav1.Time value: null when zero
  | 'ptime' // *metav1.Time
  | 'any'
  | { struct: string } // value: always present
  | { ptr: string } // pointer: absent or null when nil
  | { slice: string | 'string' | 'any' }
  | 'map';

/** [json name, kind, omitempty] */
type Field = [string, Kind, boolean];

const S = (struct: string): Kind => ({ struct });
const P = (ptr: string): Kind => ({ ptr });
const L = (slice: string): Kind => ({ slice });

const TYPES: Record<string, Field[]> = {
  Application: [
    ['metadata', 'any', false],
    ['spec', S('ApplicationSpec'), false],
    ['status', S('ApplicationStatus'), true],
    ['operation', P('Operation'), true],
  ],
  ApplicationSpec: [
    ['source', P('ApplicationSource'), true],
    ['destination', S('ApplicationDestination'), false],
    ['project', 'string', false],
    ['syncPolicy', P('SyncPolicy'), true],
    ['ignoreDifferences', L('any'), true],
    ['info', L('Info'), true],
    ['revisionHistoryLimit', 'any', true], // *int64: an explicit 0 is sent
    ['sources', L('ApplicationSource'), true],
    ['sourceHydrator', 'any', true],
  ],
  ApplicationDestination: [
    ['server', 'string', true],
    ['namespace', 'string', true],
    ['name', 'string', true],
  ],
  Info: [
    ['name', 'string', false],
    ['value', 'string', false],
  ],
  ApplicationSource: [
    ['repoURL', 'string', false],
    ['path', 'string', true],
    ['targetRevision', 'string', true],
    ['helm', 'any', true],
    ['kustomize', 'any', true],
    ['directory', 'any', true],
    ['plugin', 'any', true],
    ['chart', 'string', true],
    ['ref', 'string', true],
    ['name', 'string', true],
    ['tagPrefix', 'string', true],
  ],
  SyncPolicy: [
    ['automated', 'any', true],
    ['syncOptions', L('string'), true],
    ['retry', 'any', true],
    ['managedNamespaceMetadata', 'any', true],
  ],
  ApplicationStatus: [
    ['resources', L('ResourceStatus'), true],
    ['sync', S('SyncStatus'), true],
    ['health', S('AppHealthStatus'), true],
    ['history', L('RevisionHistory'), true],
    ['conditions', L('ApplicationCondition'), true],
    ['reconciledAt', 'ptime', true],
    ['operationState', P('OperationState'), true],
    ['observedAt', 'ptime', true],
    ['sourceType', 'string', true],
    ['summary', S('ApplicationSummary'), true],
    ['resourceHealthSource', 'string', true],
    ['sourceTypes', L('string'), true],
    ['controllerNamespace', 'string', true],
    ['sourceHydrator', S('SourceHydratorStatus'), true],
  ],
  SyncStatus: [
    ['status', 'string', false],
    ['comparedTo', S('ComparedTo'), true],
    ['revision', 'string', true],
    ['revisions', L('string'), true],
  ],
  ComparedTo: [
    ['source', S('ApplicationSource'), true],
    ['destination', S('ApplicationDestination'), false],
    ['sources', L('ApplicationSource'), true],
    ['ignoreDifferences', L('any'), true],
  ],
  AppHealthStatus: [
    ['status', 'string', true],
    ['message', 'string', true],
    ['lastTransitionTime', 'ptime', true],
  ],
  HealthStatus: [
    ['status', 'string', true],
    ['message', 'string', true],
    ['lastTransitionTime', 'ptime', true],
  ],
  ApplicationSummary: [
    ['externalURLs', L('string'), true],
    ['images', L('string'), true],
    ['isAppOfApps', 'bool', true],
  ],
  SourceHydratorStatus: [
    ['lastSuccessfulOperation', 'any', true],
    ['currentOperation', 'any', true],
    ['lastComparedDryRevision', 'string', true],
  ],
  ApplicationCondition: [
    ['type', 'string', false],
    ['message', 'string', false],
    ['lastTransitionTime', 'ptime', true],
  ],
  ResourceStatus: [
    ['group', 'string', true],
    ['version', 'string', true],
    ['kind', 'string', true],
    ['namespace', 'string', true],
    ['name', 'string', true],
    ['status', 'string', true],
    ['health', P('HealthStatus'), true],
    ['hook', 'bool', true],
    ['requiresPruning', 'bool', true],
    ['syncWave', 'int', true],
    ['requiresDeletionConfirmation', 'bool', true],
  ],
  RevisionHistory: [
    ['revision', 'string', true],
    ['deployedAt', 'time', false],
    ['id', 'int', false],
    ['source', S('ApplicationSource'), true],
    ['deployStartedAt', 'ptime', true],
    ['sources', L('ApplicationSource'), true],
    ['revisions', L('string'), true],
    ['initiatedBy', S('OperationInitiator'), true],
  ],
  OperationInitiator: [
    ['username', 'string', true],
    ['automated', 'bool', true],
  ],
  Operation: [
    ['sync', P('SyncOperation'), true],
    ['initiatedBy', S('OperationInitiator'), true],
    ['info', L('Info'), true],
    ['retry', S('RetryStrategy'), true],
  ],
  RetryStrategy: [
    ['limit', 'int', true],
    ['backoff', 'any', true],
    ['refresh', 'bool', true],
  ],
  SyncOperation: [
    ['revision', 'string', true],
    ['prune', 'bool', true],
    ['dryRun', 'bool', true],
    ['syncStrategy', 'any', true],
    ['resources', L('any'), true],
    ['source', P('ApplicationSource'), true],
    ['manifests', L('string'), true],
    ['syncOptions', L('string'), true],
    ['sources', L('ApplicationSource'), true],
    ['revisions', L('string'), true],
    ['autoHealAttemptsCount', 'int', true],
  ],
  OperationState: [
    ['operation', S('Operation'), false],
    ['phase', 'string', false],
    ['message', 'string', true],
    ['syncResult', P('SyncOperationResult'), true],
    ['startedAt', 'time', false],
    ['finishedAt', 'ptime', true],
    ['retryCount', 'int', true],
  ],
  SyncOperationResult: [
    ['resources', L('ResourceResult'), true],
    ['revision', 'string', false],
    ['source', S('ApplicationSource'), true],
    ['sources', L('ApplicationSource'), true],
    ['revisions', L('string'), true],
    ['managedNamespaceMetadata', 'any', true],
  ],
  ResourceResult: [
    ['group', 'string', false],
    ['version', 'string', false],
    ['kind', 'string', false],
    ['namespace', 'string', false],
    ['name', 'string', false],
    ['status', 'string', true],
    ['message', 'string', true],
    ['hookType', 'string', true],
    ['hookPhase', 'string', true],
    ['syncPhase', 'string', true],
    ['images', L('string'), true],
  ],
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 3339 in whole seconds, UTC, as metav1.Time marshals; what does not parse is kept. */
export function wireTime(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = Date.parse(v);
  return Number.isNaN(t) ? v : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function empty(v: unknown): boolean {
  return (
    v === undefined ||
    v === null ||
    v === '' ||
    v === 0 ||
    v === false ||
    (Array.isArray(v) && v.length === 0) ||
    (isObj(v) && Object.keys(v).length === 0)
  );
}

function value(kind: Kind, v: unknown, omit: boolean): { v: unknown } | undefined {
  if (typeof kind === 'string') {
    switch (kind) {
      case 'string':
        return omit && (v === undefined || v === null || v === '') ? undefined : { v: v ?? '' };
      case 'int':
        return omit && (v === undefined || v === null || v === 0) ? undefined : { v: v ?? 0 };
      case 'bool':
        return omit && (v === undefined || v === null || v === false) ? undefined : { v: v ?? false };
      case 'time':
        return { v: v === undefined || v === '' ? null : wireTime(v) };
      case 'ptime':
        return v === undefined || v === null || v === ''
          ? omit
            ? undefined
            : { v: null }
          : { v: wireTime(v) };
      case 'map':
        return empty(v) ? (omit ? undefined : { v: null }) : { v };
      case 'any':
        return v === undefined || (omit && v === null) ? undefined : { v };
    }
  }
  if ('struct' in kind) return { v: marshal(kind.struct, isObj(v) ? v : {}) };
  if ('ptr' in kind)
    return v === undefined || v === null
      ? omit
        ? undefined
        : { v: null }
      : { v: isObj(v) ? marshal(kind.ptr, v) : v };
  const items = Array.isArray(v) ? v : [];
  if (items.length === 0) return omit ? undefined : { v: null };
  const t = kind.slice;
  return { v: t === 'string' || t === 'any' ? items : items.map((i) => (isObj(i) ? marshal(t, i) : i)) };
}

/** One value of a named Go type, as encoding/json writes it. */
export function marshal(type: string, input: Record<string, unknown>): Record<string, unknown> {
  const fields = TYPES[type];
  if (!fields) return input;
  const out: Record<string, unknown> = {};
  for (const [name, kind, omit] of fields) {
    const r = value(kind, input[name], omit);
    if (r) out[name] = r.v;
  }
  const known = new Set(fields.map((f) => f[0]));
  for (const [k, v] of Object.entries(input))
    if (!known.has(k) && !(type === 'Application' && (k === 'kind' || k === 'apiVersion'))) out[k] = v;
  return out;
}

/** An Application as argocd-server answers it (Get, List, Watch, Sync). */
export const applicationOnWire = <T>(app: T): T =>
  marshal('Application', app as Record<string, unknown>) as T;
