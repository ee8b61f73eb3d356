/**
 * The diagnosis as a chat message: the root cause first with its evidence and how sure it is,
 * the fix as a button with the exact lines it would change, the other findings folded underneath,
 * and — always, when it matters — what could not be seen and what advice was held back.
 * `data.diagnosis` carries the same for machines.
 */
import { esc, trimLines } from '../../core/message/markup.ts';
import type { Block, Button, Message, Tone } from '../../core/message/model.ts';
import { describeFix } from './fixes.ts';
import type { Diagnosis, Finding } from './engine/types.ts';

/** The pull request a fix would open, planned against the repository before it is offered. */
export interface FixPreview {
  summary: string[];
  /** Unified diff of every file it changes. */
  diff: string;
  files: string[];
}

export interface ReportOptions {
  fixButton?: string;
  explanation?: string;
  fixFrom?: Finding;
  fixPreview?: FixPreview;
  /** Why the fix is not offered though the rules named one (no commit to revert, Git unreadable). */
  fixWithheld?: string;
}

const tone = (f: Finding | undefined): Tone =>
  !f ? 'ok' : f.severity === 'critical' ? 'danger' : f.severity === 'warning' ? 'warn' : 'info';

const where = (f: Finding) =>
  `${f.resource.kind || '?'} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name || '(unnamed)'}${f.resource.container ? ` (container ${f.resource.container})` : ''}`;

const word = (x: string) => (x === 'NotReconciled' ? 'not reconciled yet' : x);

/** What could not be seen and what was held back: the limits of this answer, in plain words. */
function limits(d: Diagnosis): Block[] {
  const out: Block[] = [];
  if (d.incomplete.length)
    out.push({
      type: 'text',
      text: `**Could not see** (so this answer rests on the rest):\n${d.incomplete.map((l) => `• ${esc(l)}`).join('\n')}`,
    });
  // A category some other rule found (CrashLoopBackOff from Argo CD's tree) was not left unchecked.
  const found = new Set(d.findings.map((f) => f.category));
  const unassessed = [...new Set(d.unassessed.map((u) => u.category))].filter((c) => !found.has(c));
  if (unassessed.length)
    out.push({ type: 'context', items: [`Not checked for lack of data: ${unassessed.join(', ')}`] });
  if (d.withheld.length) out.push({ type: 'context', items: d.withheld.map((w) => `Held back: ${esc(w)}`) });
  return out;
}

/** The sentence under the root cause when no typed fix is offered. */
function noFixLine(root: Finding, withheld: string | undefined): string {
  if (withheld) return `No fix offered: ${withheld}`;
  if (root.category === 'ComparisonError' || root.category === 'SyncFailed')
    return 'The fix is a change in Git (see above); deckhand found no single commit on this app’s paths to revert.';
  if (root.category === 'SyncStuck')
    return 'Nothing to change in Git yet: see what the sync waits for; terminate the operation in Argo CD if it cannot finish.';
  return 'No change in Git fixes this; see the evidence.';
}

export function diagnosisMessage(ref: string, d: Diagnosis, opts: ReportOptions = {}): Message {
  const root = d.rootCause;
  const partial = d.incomplete.length ? ' in what could be read' : '';
  if (!d.findings.length) {
    if (d.sync === 'NotReconciled' && d.health === 'NotReconciled')
      return {
        text: `${ref}: Argo CD has not reconciled this application yet, so there is nothing to diagnose.`,
        header: `Diagnosis: ${ref}`,
        tone: 'warn',
        blocks: [
          {
            type: 'text',
            text: `Argo CD has not compared **${esc(ref)}** with Git yet: no sync status, no health. Check that its controller runs and that the app's project allows its source and destination.`,
          },
          ...limits(d),
        ],
        data: { diagnosis: d },
      };
    return {
      text: `${ref}: nothing wrong found${partial} — ${word(d.sync)}, ${word(d.health)}.`,
      header: `Diagnosis: ${ref}`,
      tone: d.incomplete.length ? 'warn' : 'ok',
      blocks: [
        {
          type: 'text',
          text: `No finding${partial}. Argo CD says **${word(d.sync)}**, **${word(d.health)}**.`,
        },
        ...limits(d),
      ],
      data: { diagnosis: d },
    };
  }
  if (!root) {
    const missing = [...new Set(d.unassessed.flatMap((u) => u.missing))];
    return {
      text: `${ref}: the root cause cannot be named — ${missing.join(', ') || 'part of the picture'} could not be read; ${d.findings.length} finding${d.findings.length === 1 ? '' : 's'} in what could.`,
      header: `Diagnosis: ${ref}`,
      tone: 'warn',
      blocks: [
        {
          type: 'text',
          text: `**The root cause cannot be named:** ${esc(missing.join(', ') || 'part of the picture')} could not be read, and what is missing might explain what was found. What could be read shows:`,
        },
        {
          type: 'fields',
          fields: d.findings
            .slice(0, 10)
            .map((f) => ({ label: `${f.category} · ${f.severity}`, value: `${where(f)}: ${f.summary}` })),
        },
        ...limits(d),
      ],
      data: { diagnosis: d },
    };
  }
  const fixing = opts.fixFrom ?? root;
  const others = d.findings.filter((f) => f !== root);
  const buttons: Button[] = [];
  const offered = fixing?.fix && !opts.fixWithheld ? fixing.fix : undefined;
  if (opts.fixButton && offered)
    buttons.push({
      actionId: opts.fixButton,
      label: `Open fix PR: ${describeFix(offered)}`.slice(0, 75),
      style: 'primary',
    });
  const preview: Block[] = opts.fixPreview
    ? [
        {
          type: 'code',
          title: `The pull request would change ${opts.fixPreview.files.join(', ')}`,
          code: trimLines(opts.fixPreview.diff || opts.fixPreview.summary.join('\n'), 30).text,
          language: 'diff',
        },
      ]
    : [];
  return {
    text: `${ref}: ${root.category} — ${root.summary}${partial ? ` (${d.incomplete.length} source${d.incomplete.length === 1 ? '' : 's'} could not be read)` : ''}`,
    header: `Diagnosis: ${ref}`,
    tone: tone(root),
    blocks: [
      {
        type: 'text',
        text: `**Root cause: ${root.category}** in ${where(root)}${root.confidence === 'medium' ? ' _(medium confidence)_' : ''}\n${root.summary}`,
      },
      ...(opts.explanation ? [{ type: 'text' as const, text: opts.explanation }] : []),
      ...(root.evidence.length
        ? [{ type: 'code' as const, title: 'Evidence', code: root.evidence.join('\n') }]
        : []),
      ...(offered
        ? [
            {
              type: 'context' as const,
              items: [
                `Suggested fix: ${opts.fixPreview?.summary[0] ?? describeFix(offered)}${opts.fixButton ? '' : ' (no permission to propose it here)'}`,
              ],
            },
            ...preview,
          ]
        : [{ type: 'context' as const, items: [noFixLine(root, opts.fixWithheld)] }]),
      ...(others.length
        ? [
            {
              type: 'fields' as const,
              fields: others
                .slice(0, 10)
                .map((f) => ({ label: `${f.category} · ${f.severity}`, value: `${where(f)}: ${f.summary}` })),
            },
          ]
        : []),
      ...limits(d),
      { type: 'context' as const, items: [`Argo CD: ${word(d.sync)}, ${word(d.health)}`] },
    ],
    buttons,
    data: { diagnosis: d },
  };
}
