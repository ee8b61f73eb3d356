/**
 * Which rule decides about a diagnosis: the first rule, in config order, whose match accepts the
 * root cause. Only the root cause is considered — a rule must not treat a consequence (a crash
 * loop) while its cause (an OOM kill, a missing image) stays. Every match field that is given
 * must accept; globs for names.
 */
import { anyGlob } from '../../core/glob.ts';
import type { Diagnosis, Finding } from '../diagnosis/index.ts';
import type { Rule } from './config.ts';

export interface MatchInput {
  diagnosis: Diagnosis;
  app: { name: string; project: string; namespace?: string };
  /** The Alertmanager alert name of the incident, when there is one. */
  alertname?: string;
}

/**
 * The finding remediation acts on: the diagnosis's root cause, and nothing when it named none
 * (a picture too incomplete to name one is no ground for a change).
 */
export const rootFinding = (d: Diagnosis): Finding | undefined => d.rootCause;

export function ruleMatches(rule: Rule, finding: Finding, input: Omit<MatchInput, 'diagnosis'>): boolean {
  const m = rule.match;
  if (!m.categories.includes(finding.category)) return false;
  if (m.alerts?.length && (!input.alertname || !anyGlob(m.alerts, input.alertname))) return false;
  if (m.apps?.length && !anyGlob(m.apps, input.app.name)) return false;
  if (m.projects?.length && !anyGlob(m.projects, input.app.project)) return false;
  if (m.namespaces?.length) {
    const ns = finding.resource.namespace ?? input.app.namespace;
    if (!ns || !anyGlob(m.namespaces, ns)) return false;
  }
  return true;
}

/** The first matching rule and the finding it matched, or undefined when no rule applies. */
export function decide(
  rules: readonly Rule[],
  input: MatchInput,
): { rule: Rule; finding: Finding } | undefined {
  const finding = rootFinding(input.diagnosis);
  if (!finding) return undefined;
  const rule = rules.find((r) => ruleMatches(r, finding, input));
  return rule ? { rule, finding } : undefined;
}
