/**
 * Approvals: who must agree before a change is made. A request names its subject (the app and
 * what would change), who asked, and the policy that applies (how many approvals, whether the
 * requester may approve, who may, until when). Decisions are atomic in the store, so two people
 * pressing Approve at the same moment produce one "approved" — and one merge.
 *
 * After the decision the request is a durable state machine (issue 20):
 *
 *   pending ──approve──▶ approved ──▶ merging ──▶ merged ──▶ following ──▶ done
 *      │                    │            │
 *      ├─▶ rejected         └────────────┴─▶ failed   (or back to pending: the branch moved)
 *      └─▶ expired
 *
 * `pending` is the proposed state (named so since the first release; stored rows keep it). Each
 * step is written to the store before it is acted on, by the process that holds the request's
 * lease (owner + expiry, renewed while it works). A process that dies leaves the lease to run
 * out; then any process — a press, or a serving bot's sweep — takes it and carries on from the
 * recorded step. The steps themselves must be idempotent (the workflow reads the pull request
 * before it merges, and merges only at the head that was shown).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from './access.ts';
import type { Clock } from './clock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { globMatch } from './glob.ts';
import type { MessageRef } from './message/model.ts';
import { esc } from './message/markup.ts';
import { ago } from './message/time.ts';
import type { Collection, Store } from './store/types.ts';

const durationPattern = /^(\d+)(m|h|d)$/;
export const Duration = z
  .string()
  .regex(durationPattern, 'a duration like 30m, 12h or 7d')
  .transform((s) => {
    const [, n, unit] = durationPattern.exec(s) as RegExpExecArray;
    return Number(n) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[unit as 'm' | 'h' | 'd'];
  });

const PolicyFields = {
  required: z.number().int().min(1).max(10).default(1).describe('approvals needed'),
  allowSelfApproval: z.boolean().default(false).describe('may the requester approve their own change'),
  approvers: z
    .strictObject({ users: z.array(z.string()).default([]), groups: z.array(z.string()).default([]) })
    .optional()
    .describe('limit approvers to these identities or groups (they also need gitops.approve)'),
  expiresAfter: Duration.default(24 * 3_600_000).describe('how long a proposal can be approved'),
};

export const ApprovalsConfigSchema = z.strictObject({
  default: z.strictObject(PolicyFields).default(z.strictObject(PolicyFields).parse({})),
  policies: z
    .array(
      z.strictObject({
        apps: z.array(z.string()).default(['*']).describe('application name globs'),
        projects: z.array(z.string()).optional().describe('Argo CD project globs'),
        environments: z
          .array(z.string())
          .optional()
          .describe('environments (plugins.gitops.environments) of the changed app, e.g. [prod]'),
        ...PolicyFields,
      }),
    )
    .default([]),
});

export type ApprovalsConfig = z.output<typeof ApprovalsConfigSchema>;
export type Policy = z.output<typeof ApprovalsConfigSchema>['default'];

/**
 * `queued`: approved, and to be carried out once what the host holds it for clears (its checks
 * pass: "merge when ready"). Nobody works on it meanwhile, so it holds no lease.
 */
export type ApprovalState =
  | 'pending'
  | 'queued'
  | 'approved'
  | 'merging'
  | 'merged'
  | 'following'
  | 'done'
  | 'rejected'
  | 'expired'
  | 'failed';

/** The states a process is carrying out under a lease; a dead owner's are resumed. */
export const WORKING_STATES: readonly ApprovalState[] = ['approved', 'merging', 'merged'];

/** Who carries out the steps after the decision, and until when unless renewed. */
export interface Lease {
  owner: string;
  until: number;
}

/** This proposal can no longer be approved: its time ran out (the workflow offers a renewal). */
export class ExpiredError extends ConflictError {}

/** Another process holds the request now (this one's lease ran out): stop, it carries on. */
export class LeaseLostError extends ConflictError {}

export interface ApprovalRequest {
  id: string;
  kind: string;
  /** What is changed: the app, its project and, when it is in one, its environment (prod). */
  subject: { app: string; project?: string; environment?: string; title: string };
  requester: string;
  policy: Policy;
  createdAt: number;
  expiresAt: number;
  state: ApprovalState;
  approvals: { by: string; at: number }[];
  rejection?: { by: string; at: number; reason?: string };
  outcome?: string;
  /** Set while a step is carried out (approved, merging, merged). */
  lease?: Lease;
  /** When the request entered its current state. */
  stateAt?: number;
  payload: Record<string, unknown>;
  /** The chat message that shows the request (updated in place on decisions). */
  message?: MessageRef;
}

export type Decision =
  | { outcome: 'recorded'; request: ApprovalRequest; remaining: number }
  | { outcome: 'approved'; request: ApprovalRequest }
  /** The approvals are in, to be carried out once the host holds it no longer ("merge when ready"). */
  | { outcome: 'queued'; request: ApprovalRequest }
  /** The approvals were in, but the process carrying them out died: this caller takes over. */
  | { outcome: 'resumed'; request: ApprovalRequest };

/** Rows written before the state machine said `executing` for what is now `approved`. */
const normalize = (r: ApprovalRequest | undefined): ApprovalRequest | undefined =>
  r && (r.state as string) === 'executing' ? { ...r, state: 'approved' } : r;

export class ApprovalService {
  private readonly docs: Collection<ApprovalRequest>;
  private readonly cfg: ApprovalsConfig;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock, cfg: ApprovalsConfig) {
    this.docs = store.collection<ApprovalRequest>('approvals');
    this.clock = clock;
    this.cfg = cfg;
  }

  /** Every environment a policy names: each must be one the environments' owner knows. */
  environmentsNamed(): string[] {
    return [...new Set(this.cfg.policies.flatMap((p) => p.environments ?? []))];
  }

  /** The first policy every selector of which matches (a selector left out matches anything). */
  policyFor(app: string, project?: string, environment?: string): Policy {
    const within = (globs: string[] | undefined, v: string | undefined) =>
      !globs || (v !== undefined && globs.some((g) => globMatch(g, v)));
    const p = this.cfg.policies.find(
      (x) =>
        x.apps.some((g) => globMatch(g, app)) &&
        within(x.projects, project) &&
        within(x.environments, environment),
    );
    return p
      ? {
          required: p.required,
          allowSelfApproval: p.allowSelfApproval,
          approvers: p.approvers,
          expiresAfter: p.expiresAfter,
        }
      : this.cfg.default;
  }

  async create(req: {
    kind: string;
    subject: ApprovalRequest['subject'];
    requester: string;
    payload: Record<string, unknown>;
  }): Promise<ApprovalRequest> {
    const now = this.clock.now();
    const policy = this.policyFor(req.subject.app, req.subject.project, req.subject.environment);
    const doc: ApprovalRequest = {
      id: 'ap_' + randomBytes(9).toString('base64url'),
      ...req,
      policy,
      createdAt: now,
      expiresAt: now + policy.expiresAfter,
      state: 'pending',
      approvals: [],
    };
    await this.docs.put(doc.id, doc);
    return doc;
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    return normalize(await this.docs.get(id));
  }

  /** Change the request outside a decision (the message it lives in, the payload after a rebase). */
  patch(id: string, fn: (r: ApprovalRequest) => ApprovalRequest): Promise<ApprovalRequest | undefined> {
    return this.docs.update(id, (r) => (r ? fn(normalize(r) as ApprovalRequest) : r));
  }

  async list(filter: (r: ApprovalRequest) => boolean = () => true): Promise<ApprovalRequest[]> {
    return (await this.docs.list()).map((d) => normalize(d.value) as ApprovalRequest).filter(filter);
  }

  /** A working step whose owner stopped renewing its lease (it died, or lost the store). */
  stuck(r: ApprovalRequest): boolean {
    return WORKING_STATES.includes(r.state) && (!r.lease || r.lease.until <= this.clock.now());
  }

  /**
   * Take over a stuck request (for a sweep or a press): the lease becomes `owner`'s when the
   * request is in a working state and nobody holds a live lease. Undefined when it is not stuck.
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<ApprovalRequest | undefined> {
    let taken: ApprovalRequest | undefined;
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r || !this.stuck(r)) return raw;
      taken = { ...r, lease: { owner, until: this.clock.now() + leaseMs } };
      return taken;
    });
    return taken;
  }

  /** Renew the lease while working; false once someone else holds it (stop then). */
  async heartbeat(id: string, owner: string, leaseMs: number): Promise<boolean> {
    let mine = false;
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r || r.lease?.owner !== owner || !WORKING_STATES.includes(r.state)) return raw;
      mine = true;
      return { ...r, lease: { owner, until: this.clock.now() + leaseMs } };
    });
    return mine;
  }

  /**
   * Record the next step before it is acted on: from one of `from` to `to`, only by the lease's
   * owner. Entering a state outside WORKING_STATES lets the lease go. Throws LeaseLostError when
   * the request moved on or belongs to another process.
   */
  async step(
    id: string,
    owner: string,
    from: readonly ApprovalState[],
    to: ApprovalState,
    opts: { leaseMs: number; outcome?: string; payload?: Record<string, unknown> },
  ): Promise<ApprovalRequest> {
    let out: ApprovalRequest | undefined;
    let seen: ApprovalRequest | undefined;
    const now = this.clock.now();
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      seen = r;
      if (!r || !from.includes(r.state) || r.lease?.owner !== owner) return raw;
      const { lease: _lease, ...rest } = r;
      out = {
        ...rest,
        state: to,
        stateAt: now,
        ...(opts.outcome !== undefined ? { outcome: opts.outcome } : {}),
        payload: opts.payload ? { ...r.payload, ...opts.payload } : r.payload,
        ...(WORKING_STATES.includes(to) ? { lease: { owner, until: now + opts.leaseMs } } : {}),
      };
      return out;
    });
    if (!out)
      throw new LeaseLostError(
        seen
          ? `This change is now ${seen.state}${seen.lease ? ` (carried out by ${seen.lease.owner})` : ''}.`
          : 'That approval request is gone.',
      );
    return out;
  }

  /**
   * An open proposal whose time ran out, or a queued one that waited past it: recorded as expired
   * (a renewal makes a new request).
   */
  async expire(id: string): Promise<boolean> {
    const now = this.clock.now();
    let expired = false;
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      expired = !!r && (r.state === 'pending' || r.state === 'queued');
      return expired && r ? { ...r, state: 'expired', stateAt: now } : raw;
    });
    return expired;
  }

  /**
   * A queued request whose hold cleared: `approved` under `owner`'s lease, to be carried out.
   * Undefined when it is not queued any more (another process took it, or it ended).
   */
  async dequeue(id: string, owner: string, leaseMs: number): Promise<ApprovalRequest | undefined> {
    let taken: ApprovalRequest | undefined;
    const now = this.clock.now();
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r || r.state !== 'queued') return raw;
      taken = { ...r, state: 'approved', stateAt: now, lease: { owner, until: now + leaseMs } };
      return taken;
    });
    return taken;
  }

  async pendingCount(): Promise<number> {
    const now = this.clock.now();
    return (await this.list((r) => r.state === 'pending' && r.expiresAt > now)).length;
  }

  private async current(id: string): Promise<ApprovalRequest> {
    const r = await this.docs.get(id);
    if (!r) throw new NotFoundError('That approval request is unknown.');
    return r;
  }

  /**
   * Record an approval; the one that completes the policy gets `approved` and must execute, or
   * with `queue` is `queued` in the same update (no lease: nobody works on it until it is dequeued).
   */
  async approve(
    id: string,
    actor: Actor,
    worker?: { owner: string; leaseMs: number },
    queue?: { outcome: string; payload: Record<string, unknown> },
  ): Promise<Decision> {
    let refusal: Error | undefined;
    let decision: Decision | undefined;
    const now = this.clock.now();
    const owner = worker?.owner ?? `${actor.platform}:${actor.id}`;
    const lease = { owner, until: now + (worker?.leaseMs ?? 60_000) };
    await this.current(id);
    await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r) return raw;
      if (this.stuck(r)) {
        // Its owner died mid-way: the press carries on from the recorded step.
        const next: ApprovalRequest = { ...r, lease };
        decision = { outcome: 'resumed', request: next };
        return next;
      }
      if (r.state === 'expired') {
        refusal = new ExpiredError(this.stateText(r));
        return raw;
      }
      if (r.state !== 'pending') {
        refusal = new ConflictError(this.stateText(r));
        return raw;
      }
      if (r.expiresAt <= now) {
        refusal = new ExpiredError(`This proposal expired ${new Date(r.expiresAt).toISOString()}.`);
        return { ...r, state: 'expired', stateAt: now };
      }
      if (r.requester === actor.id && !r.policy.allowSelfApproval) {
        refusal = new ConflictError(
          `Four eyes: ${actor.id} asked for this change, so someone else must approve it.`,
        );
        return r;
      }
      const a = r.policy.approvers;
      if (
        a &&
        (a.users.length || a.groups.length) &&
        !a.users.includes(actor.id) &&
        !a.groups.some((g) => actor.groups.includes(g))
      ) {
        refusal = new ConflictError(
          `Only ${[...a.users, ...a.groups].join(', ')} may approve changes to ${r.subject.app}.`,
        );
        return r;
      }
      if (r.approvals.some((x) => x.by === actor.id)) {
        refusal = new ConflictError(
          `${actor.id} already approved; ${r.policy.required - r.approvals.length} more needed.`,
        );
        return r;
      }
      const approvals = [...r.approvals, { by: actor.id, at: now }];
      const done = approvals.length >= r.policy.required;
      const next: ApprovalRequest =
        done && queue
          ? {
              ...r,
              approvals,
              state: 'queued',
              stateAt: now,
              outcome: queue.outcome,
              payload: { ...r.payload, ...queue.payload },
            }
          : done
            ? { ...r, approvals, state: 'approved', stateAt: now, lease }
            : { ...r, approvals };
      decision = !done
        ? { outcome: 'recorded', request: next, remaining: r.policy.required - approvals.length }
        : queue
          ? { outcome: 'queued', request: next }
          : { outcome: 'approved', request: next };
      return next;
    });
    if (refusal) throw refusal;
    return decision as Decision;
  }

  async reject(id: string, actor: Actor, reason?: string): Promise<ApprovalRequest> {
    let refusal: Error | undefined;
    await this.current(id);
    const out = await this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r) return raw;
      // An expired proposal can still be closed: nobody can approve it any more anyway. A queued
      // one is not merging yet: a rejection stops it.
      if (r.state !== 'pending' && r.state !== 'expired' && r.state !== 'queued') {
        refusal = new ConflictError(this.stateText(r));
        return raw;
      }
      const now = this.clock.now();
      return { ...r, state: 'rejected', stateAt: now, rejection: { by: actor.id, at: now, reason } };
    });
    if (refusal) throw refusal;
    return out as ApprovalRequest;
  }

  /**
   * Execution ended: done, failed for good, or back to pending (e.g. the branch moved: approve
   * again). The lease goes with it. A request already done or failed stays so.
   */
  finish(
    id: string,
    state: 'done' | 'failed' | 'pending',
    outcome: string,
    payload?: Record<string, unknown>,
    /** Only while this process holds the lease: one that lost it must not undo its successor's step. */
    owner?: string,
    /** Only from these states (checked in the same transaction). */
    from?: ApprovalState[],
  ): Promise<ApprovalRequest | undefined> {
    const now = this.clock.now();
    return this.docs.update(id, (raw) => {
      const r = normalize(raw);
      if (!r || r.state === 'done' || r.state === 'rejected') return raw;
      if (from && !from.includes(r.state)) return raw;
      if (owner !== undefined && r.lease && r.lease.owner !== owner) return raw;
      const { lease: _lease, ...rest } = r;
      return {
        ...rest,
        state,
        stateAt: now,
        outcome,
        payload: payload ? { ...r.payload, ...payload } : r.payload,
        approvals: state === 'pending' ? [] : r.approvals,
      };
    });
  }

  private stateText(r: ApprovalRequest): string {
    switch (r.state) {
      case 'approved':
      case 'merging':
      case 'merged':
        return `${r.approvals.at(-1)?.by ?? 'Someone'} approved this ${r.stateAt ? ago(r.stateAt, this.clock.now()) : 'a moment ago'}; it is being carried out (${r.state}).`;
      case 'queued':
        // The outcome names checks, which whoever reports a status names: plain text.
        return `${r.approvals.at(-1)?.by ?? 'Someone'} approved this to merge when ready; it merges by itself then (${esc(r.outcome ?? 'waiting for its checks')}).`;
      case 'following':
        return `Already merged: ${r.outcome ?? 'approved and carried out'}; deckhand follows the rollout.`;
      case 'expired':
        return `This proposal expired ${new Date(r.expiresAt).toISOString()}.`;
      case 'done':
        return `Already done: ${r.outcome ?? 'approved and carried out'}.`;
      case 'failed':
        return `This change was approved but failed: ${r.outcome ?? 'see the thread'}.`;
      case 'rejected':
        return `${r.rejection?.by ?? 'Someone'} rejected this${r.rejection?.reason ? `: ${r.rejection.reason}` : ''}.`;
      default:
        return 'This request is not waiting for approval.';
    }
  }
}
