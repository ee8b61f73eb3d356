/**
 * Approvals: who must agree before a change is made. A request names its subject (the app and
 * what would change), who asked, and the policy that applies (how many approvals, whether the
 * requester may approve, who may, until when). Decisions are atomic in the store, so two people
 * pressing Approve at the same moment produce one "approved" — and one merge.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from './access.ts';
import type { Clock } from './clock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { globMatch } from './glob.ts';
import type { MessageRef } from './message/model.ts';
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
        ...PolicyFields,
      }),
    )
    .default([]),
});

export type ApprovalsConfig = z.output<typeof ApprovalsConfigSchema>;
export type Policy = z.output<typeof ApprovalsConfigSchema>['default'];

export type ApprovalState = 'pending' | 'executing' | 'done' | 'failed' | 'rejected';

export interface ApprovalRequest {
  id: string;
  kind: string;
  subject: { app: string; project?: string; title: string };
  requester: string;
  policy: Policy;
  createdAt: number;
  expiresAt: number;
  state: ApprovalState;
  approvals: { by: string; at: number }[];
  rejection?: { by: string; at: number; reason?: string };
  outcome?: string;
  payload: Record<string, unknown>;
  /** The chat message that shows the request (updated in place on decisions). */
  message?: MessageRef;
}

export type Decision =
  | { outcome: 'recorded'; request: ApprovalRequest; remaining: number }
  | { outcome: 'approved'; request: ApprovalRequest };

export class ApprovalService {
  private readonly docs: Collection<ApprovalRequest>;
  private readonly cfg: ApprovalsConfig;
  private readonly clock: Clock;

  constructor(store: Store, clock: Clock, cfg: ApprovalsConfig) {
    this.docs = store.collection<ApprovalRequest>('approvals');
    this.clock = clock;
    this.cfg = cfg;
  }

  policyFor(app: string, project?: string): Policy {
    const p = this.cfg.policies.find(
      (x) =>
        x.apps.some((g) => globMatch(g, app)) &&
        (!x.projects || (project !== undefined && x.projects.some((g) => globMatch(g, project)))),
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
    const policy = this.policyFor(req.subject.app, req.subject.project);
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

  get(id: string): Promise<ApprovalRequest | undefined> {
    return this.docs.get(id);
  }

  /** Change the request outside a decision (the message it lives in, the payload after a rebase). */
  patch(id: string, fn: (r: ApprovalRequest) => ApprovalRequest): Promise<ApprovalRequest | undefined> {
    return this.docs.update(id, (r) => (r ? fn(r) : r));
  }

  async list(filter: (r: ApprovalRequest) => boolean = () => true): Promise<ApprovalRequest[]> {
    return (await this.docs.list()).map((d) => d.value).filter(filter);
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

  /** Record an approval; the one that completes the policy gets `approved` and must execute. */
  async approve(id: string, actor: Actor): Promise<Decision> {
    let refusal: Error | undefined;
    let decision: Decision | undefined;
    const now = this.clock.now();
    await this.current(id);
    await this.docs.update(id, (r) => {
      if (!r) return r;
      if (r.state !== 'pending') {
        refusal = new ConflictError(this.stateText(r));
        return r;
      }
      if (r.expiresAt <= now) {
        refusal = new ConflictError(
          `This proposal expired ${new Date(r.expiresAt).toISOString()}; ask for it again.`,
        );
        return r;
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
      const next: ApprovalRequest = { ...r, approvals, state: done ? 'executing' : 'pending' };
      decision = done
        ? { outcome: 'approved', request: next }
        : { outcome: 'recorded', request: next, remaining: r.policy.required - approvals.length };
      return next;
    });
    if (refusal) throw refusal;
    return decision as Decision;
  }

  async reject(id: string, actor: Actor, reason?: string): Promise<ApprovalRequest> {
    let refusal: Error | undefined;
    await this.current(id);
    const out = await this.docs.update(id, (r) => {
      if (!r) return r;
      if (r.state !== 'pending') {
        refusal = new ConflictError(this.stateText(r));
        return r;
      }
      return { ...r, state: 'rejected', rejection: { by: actor.id, at: this.clock.now(), reason } };
    });
    if (refusal) throw refusal;
    return out as ApprovalRequest;
  }

  /** Execution ended: done, failed for good, or back to pending (e.g. the branch moved: approve again). */
  finish(
    id: string,
    state: 'done' | 'failed' | 'pending',
    outcome: string,
    payload?: Record<string, unknown>,
  ): Promise<ApprovalRequest | undefined> {
    return this.docs.update(id, (r) =>
      r
        ? {
            ...r,
            state,
            outcome,
            payload: payload ? { ...r.payload, ...payload } : r.payload,
            approvals: state === 'pending' ? [] : r.approvals,
          }
        : r,
    );
  }

  private stateText(r: ApprovalRequest): string {
    switch (r.state) {
      case 'executing':
        return `${r.approvals.at(-1)?.by ?? 'Someone'} approved this a moment ago; it is being carried out.`;
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
