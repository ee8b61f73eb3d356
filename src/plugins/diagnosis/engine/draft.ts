/**
 * What a rule returns before de-duplication and ranking: a Finding plus the facts the merge and
 * causality steps need (which pods, which other objects it touches). None of this leaves the engine.
 */
import type { Confidence, Finding, ResourceRef } from './types.ts';
import type { Ctx } from './context.ts';

export interface Draft extends Omit<Finding, 'confidence' | 'basis'> {
  /** `high` unless the rule says otherwise; the engine fills in the basis from the rule's inputs. */
  confidence?: Confidence;
  basis?: string[];
  /** Pods the finding was seen on; merging counts them against the workload's pods ("2 of 3"). */
  pods?: string[];
  /** All pods of the workload, for the "of N" part; the merge takes the largest it sees. */
  total?: number;
  /** Words after the pod count, e.g. "restarted 14 times". */
  detail?: string;
  /** The representative among merged drafts is the heaviest one (e.g. the most restarts). */
  weight?: number;
  /** Resource keys (see `refKey`) of other objects involved: the pod's node, its claims, a hook Job. */
  links?: string[];
  /** Facts a causality edge may require, e.g. 'liveness' for a probe that kills its container. */
  tags?: string[];
}

export type Rule = (ctx: Ctx) => Draft[];

/** One key per object: kind/namespace/name. */
export const refKey = (r: Pick<ResourceRef, 'kind' | 'namespace' | 'name'>): string =>
  `${r.kind}/${r.namespace ?? ''}/${r.name}`;
