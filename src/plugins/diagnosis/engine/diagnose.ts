/**
 * The engine's entry: run every rule over a snapshot, merge what several pods show alike, order
 * by causality and severity, and name the root cause. Pure and synchronous: the snapshot holds
 * everything, so the same snapshot always gives the same diagnosis.
 */
import { healthOf, syncOf, withStructs } from '../../argocd/index.ts';
import type { AppSnapshot } from '../../k8s/index.ts';
import { Ctx } from './context.ts';
import type { Draft, Rule } from './draft.ts';
import { clip } from './evidence.ts';
import { merge } from './merge.ts';
import { rank } from './rank.ts';
import { Redactor } from '../../../core/redact.ts';
import { comparisonRule, outOfSyncRule, syncFailedRule, syncStuckRule } from './rules/argo.ts';
import { INPUT_WORDS, RULE_INPUTS, unreadable, type Input, type RuleName } from './inputs.ts';
import { autoscalerRule } from './rules/autoscaler.ts';
import { configErrorRule } from './rules/config-error.ts';
import { crashLoopRule } from './rules/crashloop.ts';
import { imagePullRule } from './rules/image-pull.ts';
import { initContainerRule } from './rules/init-containers.ts';
import { jobRule } from './rules/jobs.ts';
import { serviceRule } from './rules/network.ts';
import { evictedRule, nodeRule } from './rules/nodes.ts';
import { oomRule } from './rules/oom.ts';
import { probeRule } from './rules/probes.ts';
import { unschedulableRule } from './rules/scheduling.ts';
import { treeRule } from './rules/tree.ts';
import { volumeRule } from './rules/volumes.ts';
import { progressDeadlineRule, quotaRule } from './rules/workloads.ts';

/** The one masking list (core/redact.ts): quoted log lines and messages leave the engine masked. */
const masking = new Redactor();
const redact = (text: string): string => masking.text(text);
import type { Category, DiagnoseOptions, Diagnosis, Finding } from './types.ts';

export const rules: Record<RuleName, Rule> = {
  oom: oomRule,
  crashLoop: crashLoopRule,
  imagePull: imagePullRule,
  configError: configErrorRule,
  initContainer: initContainerRule,
  probe: probeRule,
  unschedulable: unschedulableRule,
  volume: volumeRule,
  node: nodeRule,
  evicted: evictedRule,
  progressDeadline: progressDeadlineRule,
  quota: quotaRule,
  job: jobRule,
  autoscaler: autoscalerRule,
  syncFailed: syncFailedRule,
  syncStuck: syncStuckRule,
  comparison: comparisonRule,
  outOfSync: outOfSyncRule,
  service: serviceRule,
  tree: treeRule,
};

const MAX_EVIDENCE = 10;

/** The public shape only, with anything secret-looking masked on the way out. */
const publish = (d: Draft): Finding => ({
  category: d.category,
  severity: d.severity,
  resource: d.resource,
  summary: redact(d.summary),
  evidence: d.evidence.slice(0, MAX_EVIDENCE).map((l) => redact(l)),
  ...(d.fix ? { fix: d.fix } : {}),
  confidence: d.confidence ?? 'high',
  basis: d.basis ?? [],
});

/** "Kubernetes pods in naver-news: did not answer within 5 s" — one line per source that failed. */
function incompleteLines(s: AppSnapshot): string[] {
  return s.gaps
    .filter((g) => !g.source.startsWith('logs:'))
    .map((g) => clip(`${g.source}: ${g.message}`, 200));
}

export function diagnose(input: AppSnapshot, opts: DiagnoseOptions = {}): Diagnosis {
  // Rules may rely on the structs Argo CD always sends; an app from elsewhere gets them here.
  const s = { ...input, app: withStructs(structuredClone(input.app)) };
  const ctx = new Ctx(s, opts.now ?? s.collectedAt);
  const gaps = s.gaps.map((g) => clip(`${g.source}: ${g.message}`, 200));
  const missing = unreadable(s);
  const unassessed: Diagnosis['unassessed'] = [];
  const drafts = (Object.keys(rules) as RuleName[]).flatMap((name) => {
    const { needs, finds } = RULE_INPUTS[name] as { needs: Input[]; finds: Category[] };
    const lacking = needs.filter((n) => missing.has(n));
    if (lacking.length) {
      for (const category of finds)
        unassessed.push({ category, missing: lacking.map((n) => INPUT_WORDS[n]) });
      return [];
    }
    // One rule tripping over an odd object must not cost the whole diagnosis.
    try {
      const basis = ['argocd:application', ...needs];
      return rules[name](ctx).map((d) => ({ ...d, basis: d.basis ?? basis }));
    } catch (e) {
      gaps.push(`rule ${name} could not read this app (${(e as Error).message})`);
      return [];
    }
  });
  const found = new Set(drafts.map((d) => d.category));
  const hidden = [...new Set(unassessed.map((u) => u.category))].filter((c) => !found.has(c));
  const { ordered, root } = rank(merge(drafts), hidden);
  const findings = ordered.map(publish);
  return {
    app: s.app.metadata?.name ?? '(unnamed)',
    // The argocd plugin's reading: Go's zero values ("", {}) are "NotReconciled", not blanks.
    sync: syncOf(s.app),
    health: healthOf(s.app),
    findings,
    ...(root ? { rootCause: findings[ordered.indexOf(root)] } : {}),
    ...(gaps.length ? { gaps } : {}),
    incomplete: incompleteLines(s),
    unassessed,
    withheld: ctx.withheld,
  };
}

/** One line for chat and logs: "naver-news: OOMKilled — container app exceeded its 512Mi memory limit …". */
export function summarize(d: Diagnosis): string {
  const partial = d.incomplete.length
    ? ` (${d.incomplete.length} source${d.incomplete.length === 1 ? '' : 's'} could not be read)`
    : '';
  if (d.rootCause) return `${d.app}: ${d.rootCause.category} — ${d.rootCause.summary}${partial}`;
  if (d.findings.length)
    return `${d.app}: root cause unknown${partial}; found ${d.findings.map((f) => f.category).join(', ')}`;
  return `${d.app}: no problem found${partial ? ` in what could be read${partial}` : ''} (${d.sync}, ${d.health})`;
}
