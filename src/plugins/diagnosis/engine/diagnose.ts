/**
 * The engine's entry: run every rule over a snapshot, merge what several pods show alike, order
 * by causality and severity, and name the root cause. Pure and synchronous: the snapshot holds
 * everything, so the same snapshot always gives the same diagnosis.
 */
import { healthOf, syncOf, withStructs } from '../../argocd/index.ts';
import type { AppSnapshot } from '../../k8s/snapshot.ts';
import { Ctx } from './context.ts';
import type { Draft, Rule } from './draft.ts';
import { clip } from './evidence.ts';
import { merge } from './merge.ts';
import { rank } from './rank.ts';
import { redact } from './redact.ts';
import { syncFailedRule, outOfSyncRule } from './rules/argo.ts';
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
import type { DiagnoseOptions, Diagnosis, Finding } from './types.ts';

export const rules: Record<string, Rule> = {
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
});

export function diagnose(input: AppSnapshot, opts: DiagnoseOptions = {}): Diagnosis {
  // Rules may rely on the structs Argo CD always sends; an app from elsewhere gets them here.
  const s = { ...input, app: withStructs(structuredClone(input.app)) };
  const ctx = new Ctx(s, opts.now ?? s.collectedAt);
  const gaps = s.gaps.map((g) => clip(`${g.source}: ${g.message}`, 200));
  const drafts = Object.entries(rules).flatMap(([name, rule]) => {
    // One rule tripping over an odd object must not cost the whole diagnosis.
    try {
      return rule(ctx);
    } catch (e) {
      gaps.push(`rule ${name} could not read this app (${(e as Error).message})`);
      return [];
    }
  });
  const { ordered, root } = rank(merge(drafts));
  const findings = ordered.map(publish);
  return {
    app: s.app.metadata?.name ?? '(unnamed)',
    // The argocd plugin's reading: Go's zero values ("", {}) are "NotReconciled", not blanks.
    sync: syncOf(s.app),
    health: healthOf(s.app),
    findings,
    ...(root ? { rootCause: findings[ordered.indexOf(root)] } : {}),
    ...(gaps.length ? { gaps } : {}),
  };
}

/** One line for chat and logs: "naver-news: OOMKilled — container app exceeded its 512Mi memory limit …". */
export function summarize(d: Diagnosis): string {
  if (d.rootCause) return `${d.app}: ${d.rootCause.category} — ${d.rootCause.summary}`;
  const partial = d.gaps?.length
    ? ` in what could be read (${d.gaps.length} source${d.gaps.length === 1 ? '' : 's'} missing)`
    : '';
  return `${d.app}: no problem found${partial} (${d.sync}, ${d.health})`;
}
