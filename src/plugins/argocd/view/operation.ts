/**
 * What Argo CD is doing with an application and what it did last. Two fields say it:
 * `operation` (top level) is a requested operation the controller has not finished — it is
 * cleared when the operation completes — and `status.operationState` is the progress or result
 * of the current or last one (argo-cd controller/appcontroller.go: processRequestedAppOperation
 * sets operationState Running, and on completion `setOperationState` removes `operation`).
 * So a Running operationState may come without `operation` (being finished, or terminated), and
 * `operation` may come with an older, finished operationState (requested, not yet picked up).
 */
import { at, bool, num, obj, objs, str, strs, time, type Raw } from './read.ts';

export type OperationStage = 'requested' | 'running' | 'terminating' | 'succeeded' | 'failed' | 'error';

export interface OperationView {
  stage: OperationStage;
  /** `sync` for the operations Argo CD has today; the raw key otherwise. */
  kind: string;
  /** A person's name, or `auto-sync` when the controller started it. */
  initiatedBy?: string;
  automated: boolean;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  /** Retries made so far, and the limit (operation.retry.limit, else the sync policy's). */
  retryCount: number;
  retryLimit?: number;
  /** The revisions asked for or synced (one per source). */
  revisions: string[];
  prune: boolean;
  dryRun: boolean;
  /** Resources the sync could not apply, and hooks that failed. */
  failed: { kind: string; namespace?: string; name: string; message?: string; hook?: string }[];
}

const PHASES: Record<string, OperationStage> = {
  Running: 'running',
  Terminating: 'terminating',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Error: 'error',
};

function who(initiatedBy: unknown): { by?: string; automated: boolean } {
  const automated = bool(at(initiatedBy, 'automated')) ?? false;
  return { by: automated ? 'auto-sync' : str(at(initiatedBy, 'username')), automated };
}

function kindOf(op: Raw | undefined): string {
  if (!op) return 'sync';
  if (obj(op.sync)) return 'sync';
  const other = Object.keys(op).find((k) => !['initiatedBy', 'info', 'retry'].includes(k));
  return other ?? 'sync';
}

function revisionsOf(sync: unknown, result: unknown): string[] {
  const fromResult = [...strs(at(result, 'revisions')), ...[str(at(result, 'revision'))].filter(Boolean)];
  if (fromResult.length) return fromResult as string[];
  const asked = strs(at(sync, 'revisions'));
  return asked.length ? asked : ([str(at(sync, 'revision'))].filter(Boolean) as string[]);
}

export function readOperations(
  app: unknown,
  policyRetryLimit: number | undefined,
): { current?: OperationView; last?: OperationView } {
  const requested = obj(at(app, 'operation'));
  const state = obj(at(app, 'status', 'operationState'));
  const stage = state ? PHASES[str(state.phase) ?? ''] : undefined;
  const stateOp = obj(state?.operation);
  const view = (s: OperationStage, op: Raw | undefined, st: Raw | undefined): OperationView => {
    const { by, automated } = who(op?.initiatedBy);
    const result = st ? obj(st.syncResult) : undefined;
    return {
      stage: s,
      kind: kindOf(op),
      ...(by ? { initiatedBy: by } : {}),
      automated,
      ...(time(st?.startedAt) ? { startedAt: time(st?.startedAt) } : {}),
      ...(time(st?.finishedAt) ? { finishedAt: time(st?.finishedAt) } : {}),
      ...(str(st?.message) ? { message: str(st?.message) } : {}),
      retryCount: num(st?.retryCount) ?? 0,
      retryLimit: num(at(op, 'retry', 'limit')) ?? policyRetryLimit,
      revisions: revisionsOf(at(op, 'sync'), result),
      prune: bool(at(op, 'sync', 'prune')) ?? false,
      dryRun: bool(at(op, 'sync', 'dryRun')) ?? false,
      failed: objs(result?.resources)
        .filter((r) => r.status === 'SyncFailed' || r.hookPhase === 'Failed' || r.hookPhase === 'Error')
        .map((r) => ({
          kind: str(r.kind) ?? '?',
          ...(str(r.namespace) ? { namespace: str(r.namespace) } : {}),
          name: str(r.name) ?? '?',
          ...(str(r.message) ? { message: str(r.message) } : {}),
          ...(str(r.hookType) ? { hook: str(r.hookType) } : {}),
        })),
    };
  };
  const out: { current?: OperationView; last?: OperationView } = {};
  if (stage === 'running' || stage === 'terminating') {
    // Who started it: the state's copy of the operation, else the requested one (the state may lack it).
    const byWho = obj(stateOp?.initiatedBy) && Object.keys(stateOp?.initiatedBy as object).length;
    out.current = view(stage, byWho ? stateOp : (requested ?? stateOp), state);
  } else {
    if (state && stage) out.last = view(stage, stateOp, state);
    // A requested operation newer than the finished state: not picked up by the controller yet.
    if (requested) out.current = view('requested', requested, undefined);
  }
  return out;
}
