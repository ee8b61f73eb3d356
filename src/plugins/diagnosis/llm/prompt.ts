/**
 * What the LLM sees: the findings as typed facts, their evidence redacted and cut to a budget,
 * and the fixes it may choose among by number. It never sees manifests and never writes YAML.
 */
import type { Redactor } from '../../../core/redact.ts';
import type { Diagnosis, Finding } from '../engine/types.ts';
import { describeFix } from '../fixes.ts';

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.-]+/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}\b/g;

export function redactForLlm(s: string, redactor: Redactor, opts: { emails: boolean; ips: boolean }): string {
  let out = redactor.text(s);
  if (opts.emails) out = out.replace(EMAIL, '[email]');
  if (opts.ips) out = out.replace(IPV4, '[ip]');
  return out;
}

export interface PromptInput {
  system: string;
  user: string;
  /** The fixes offered, in the order the model numbers them. */
  fixes: Finding[];
}

export const SYSTEM = [
  'You help platform engineers understand why a Kubernetes application deployed by Argo CD is unhealthy.',
  'You are given findings that deterministic rules already established, with their evidence.',
  'Explain the root cause and its consequences in at most three short sentences, plainly, for the on-call engineer.',
  'If fixes are offered, choose the number of the one that addresses the root cause, or 0 for none.',
  'Never invent facts that are not in the evidence. Never output YAML, commands or code.',
].join(' ');

export function buildPrompt(d: Diagnosis, clean: (s: string) => string, maxChars: number): PromptInput {
  const fixes = d.findings.filter((f) => f.fix);
  const lines: string[] = [
    `Application ${d.app}: Argo CD says ${d.sync}, ${d.health}.`,
    'Findings, root causes first:',
  ];
  d.findings.forEach((f, i) => {
    const where = `${f.resource.kind} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name}${f.resource.container ? ` container ${f.resource.container}` : ''}`;
    lines.push(`${i + 1}. [${f.category}, ${f.severity}] ${where}: ${clean(f.summary)}`);
    for (const e of f.evidence.slice(0, 6)) lines.push(`   evidence: ${clean(e).slice(0, 300)}`);
  });
  lines.push(
    fixes.length
      ? `Fixes you may choose (by number):\n${fixes.map((f, i) => `${i + 1}. ${describeFix(f.fix!)} (for ${f.category})`).join('\n')}`
      : 'No fix is offered; choose 0.',
  );
  // Names and fix descriptions too: everything the model sees passes the one masking step.
  let user = clean(lines.join('\n'));
  // The budget keeps cost and latency bounded whatever the logs hold.
  if (user.length > maxChars) user = `${user.slice(0, maxChars - 20)}\n…(cut to budget)`;
  return { system: SYSTEM, user, fixes };
}
