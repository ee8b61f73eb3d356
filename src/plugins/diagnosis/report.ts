/**
 * The diagnosis as a chat message: the root cause first with its evidence, then the other
 * findings folded underneath, the fix as a button, and `data.diagnosis` for machines.
 */
import { esc } from '../../core/message/markup.ts';
import type { Button, Message, Tone } from '../../core/message/model.ts';
import { describeFix } from './fixes.ts';
import type { Diagnosis, Finding } from './engine/types.ts';

const tone = (f: Finding | undefined): Tone =>
  !f ? 'ok' : f.severity === 'critical' ? 'danger' : f.severity === 'warning' ? 'warn' : 'info';

const where = (f: Finding) =>
  `${f.resource.kind || '?'} ${f.resource.namespace ? `${f.resource.namespace}/` : ''}${f.resource.name || '(unnamed)'}${f.resource.container ? ` (container ${f.resource.container})` : ''}`;

export function diagnosisMessage(
  ref: string,
  d: Diagnosis,
  opts: { fixButton?: string; explanation?: string; fixFrom?: Finding } = {},
): Message {
  const root = d.rootCause ?? d.findings[0];
  const fixing = opts.fixFrom ?? root;
  if (!root) {
    const partial = d.gaps?.length ? ` (partial picture: ${d.gaps.join('; ')})` : '';
    if (d.sync === 'NotReconciled' && d.health === 'NotReconciled')
      return {
        text: `${ref}: Argo CD has not reconciled this application yet, so there is nothing to diagnose${partial}.`,
        header: `Diagnosis: ${ref}`,
        tone: 'warn',
        blocks: [
          {
            type: 'text',
            text: `Argo CD has not compared **${esc(ref)}** with Git yet: no sync status, no health. Check that its controller runs and that the app's project allows its source and destination.${partial}`,
          },
        ],
        data: { diagnosis: d },
      };
    const word = (x: string) => (x === 'NotReconciled' ? 'not reconciled yet' : x);
    return {
      text: `${ref}: nothing wrong found — ${word(d.sync)}, ${word(d.health)}${partial}.`,
      header: `Diagnosis: ${ref}`,
      tone: d.gaps?.length ? 'warn' : 'ok',
      blocks: [
        {
          type: 'text',
          text: `No finding. Argo CD says **${word(d.sync)}**, **${word(d.health)}**.${partial}`,
        },
      ],
      data: { diagnosis: d },
    };
  }
  const others = d.findings.filter((f) => f !== root);
  const buttons: Button[] = [];
  if (opts.fixButton && fixing?.fix)
    buttons.push({
      actionId: opts.fixButton,
      label: `Open fix PR: ${describeFix(fixing.fix)}`.slice(0, 75),
      style: 'primary',
    });
  return {
    text: `${ref}: ${root.category} — ${root.summary}`,
    header: `Diagnosis: ${ref}`,
    tone: tone(root),
    blocks: [
      { type: 'text', text: `**Root cause: ${root.category}** in ${where(root)}\n${root.summary}` },
      ...(opts.explanation ? [{ type: 'text' as const, text: opts.explanation }] : []),
      ...(root.evidence.length
        ? [{ type: 'code' as const, title: 'Evidence', code: root.evidence.join('\n') }]
        : []),
      ...(fixing?.fix
        ? [
            {
              type: 'context' as const,
              items: [
                `Suggested fix: ${describeFix(fixing.fix)}${opts.fixButton ? '' : ' (no permission to propose it here)'}`,
              ],
            },
          ]
        : [{ type: 'context' as const, items: ['No change in Git fixes this; see the evidence.'] }]),
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
      {
        type: 'context' as const,
        items: [
          `Argo CD: ${d.sync}, ${d.health}${d.gaps?.length ? ` · not collected: ${d.gaps.join('; ')}` : ''}`,
        ],
      },
    ],
    buttons,
    data: { diagnosis: d },
  };
}
