/**
 * What remediation says in an incident thread: what a rule did (merged, proposed, suggested), what
 * held it back and how to go on by hand, where it stops and a person must decide, and what a dry
 * run would have done. Every message carries `data.remediation` for machines.
 */
import { code } from '../../core/message/markup.ts';
import type { Message } from '../../core/message/model.ts';
import type { Rule } from './config.ts';
import type { Hold } from './guardrails.ts';

export interface Subject {
  rule: Rule;
  app: string;
  /** "raise the memory limit of container naver-news from 512Mi to 768Mi" */
  what: string;
}

/** A guardrail that is not one of the stored ones: two decisions for one app at the same moment. */
export const IN_PROGRESS = 'in-progress';

const data = (s: Subject, outcome: string, extra: Record<string, unknown> = {}) => ({
  remediation: { rule: s.rule.name, mode: s.rule.mode, app: s.app, what: s.what, outcome, ...extra },
});

const openButton = (id: string | undefined, label: string) =>
  id ? [{ actionId: id, label: `Open PR: ${label}`.slice(0, 75), style: 'primary' as const }] : undefined;

export function mergedMessage(s: Subject, pr: { number: number; url: string }, sha: string): Message {
  const text = `🤖 Rule ${code(s.rule.name)} decided to ${s.what}: merged #${pr.number} automatically at ${code(sha.slice(0, 7))}. Following ${s.app} in Argo CD…`;
  return {
    text: `Rule ${s.rule.name}: merged #${pr.number} (${s.what}) automatically`,
    tone: 'info',
    blocks: [
      { type: 'text', text },
      { type: 'context', items: [`[#${pr.number}](${pr.url}) · mode auto · the follow-up reports here`] },
    ],
    data: data(s, 'merged', { pr, sha }),
  };
}

export function heldMessage(
  s: Subject,
  hold: Hold | { guardrail: string; reason: string },
  button?: string,
  label = 'the fix',
): Message {
  return {
    text: `Rule ${s.rule.name} held back by a guardrail (${hold.guardrail}): ${hold.reason}`,
    tone: 'warn',
    blocks: [
      {
        type: 'text',
        text: `⏸ Rule ${code(s.rule.name)} would ${s.what} automatically, but a guardrail holds it back — **${hold.guardrail}**: ${hold.reason}.`,
      },
      {
        type: 'context',
        items: [
          button
            ? 'The manual path: open the pull request yourself; it goes through the usual approval.'
            : 'Nothing was changed.',
        ],
      },
    ],
    buttons: openButton(button, label),
    data: data(s, 'held', { guardrail: hold.guardrail, reason: hold.reason }),
  };
}

export function stoppedMessage(rule: Rule, app: string, why: string): Message {
  return {
    text: `Rule ${rule.name} stops here: ${why}. A person has to decide.`,
    tone: 'warn',
    blocks: [
      {
        type: 'text',
        text: `✋ Rule ${code(rule.name)} stops here: ${why}. **A person has to decide** what ${app} needs.`,
      },
      {
        type: 'context',
        items: [
          'The diagnosis above shows the evidence; `/gitops resources|scale|bump` proposes a change by hand.',
        ],
      },
    ],
    data: { remediation: { rule: rule.name, mode: rule.mode, app, outcome: 'stopped', reason: why } },
  };
}

export function suggestedMessage(s: Subject, button: string, label: string): Message {
  return {
    text: `Rule ${s.rule.name} suggests: ${s.what}`,
    tone: 'info',
    blocks: [{ type: 'text', text: `💡 Rule ${code(s.rule.name)} suggests to ${s.what}.` }],
    buttons: openButton(button, label),
    data: data(s, 'suggested'),
  };
}

export function dryRunMessage(s: Subject, hold: Hold | null): Message {
  const verb =
    s.rule.mode === 'auto'
      ? 'open and merge a pull request to'
      : s.rule.mode === 'propose'
        ? 'propose a pull request to'
        : 'suggest to';
  const guard =
    s.rule.mode === 'auto'
      ? hold
        ? `It would be held back (${hold.guardrail}): ${hold.reason}.`
        : 'No guardrail would hold it back.'
      : '';
  return {
    text: `Dry run: rule ${s.rule.name} would ${verb} ${s.what}`,
    tone: 'info',
    blocks: [
      {
        type: 'text',
        text: `🧪 Dry run: rule ${code(s.rule.name)} would ${verb} ${s.what}. ${guard}`.trim(),
      },
      { type: 'context', items: ['plugins.remediation.dryRun is on: nothing was opened or merged.'] },
    ],
    data: data(s, 'dry-run', hold ? { guardrail: hold.guardrail, reason: hold.reason } : {}),
  };
}

export function failedMessage(s: Subject, why: string, button?: string, label = 'the fix'): Message {
  return {
    text: `Rule ${s.rule.name} could not ${s.what}: ${why}`,
    tone: 'danger',
    blocks: [
      { type: 'text', text: `⚠️ Rule ${code(s.rule.name)} could not ${s.what}: ${why}` },
      { type: 'context', items: ['Nothing was merged automatically.'] },
    ],
    buttons: openButton(button, label),
    data: data(s, 'failed', { reason: why }),
  };
}

export function revertedMessage(
  rule: Rule,
  app: string,
  reverted: { pr?: number; outcome: string },
  pr: { number: number; url: string },
): Message {
  const what = reverted.pr ? `#${reverted.pr}` : 'the change';
  return {
    text: `Rule ${rule.name} reverted ${what} automatically (it ended ${reverted.outcome}): merged #${pr.number}`,
    tone: 'warn',
    blocks: [
      {
        type: 'text',
        text: `↩️ ${what} did not make ${app} Healthy (${reverted.outcome}); rule ${code(rule.name)} reverts it once, automatically: merged [#${pr.number}](${pr.url}). Following ${app}…`,
      },
    ],
    data: {
      remediation: { rule: rule.name, mode: rule.mode, app, outcome: 'reverted', pr, of: reverted.pr },
    },
  };
}
