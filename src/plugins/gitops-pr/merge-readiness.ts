/**
 * Whether a pull request can merge now, from what its host says (MergeReadiness): the checks that
 * hold it (required and not passed), and anything else the host wants. What the card shows, what
 * the Approve button says, and when "merge when ready" merges.
 */
import { esc, link } from '../../core/message/markup.ts';
import type { CheckResult, MergeReadiness } from './hosts/types.ts';

export interface Judged {
  /** Required checks not reported yet or still running: they come by themselves. */
  waiting: CheckResult[];
  /** Required checks that failed: a re-run or a new push must make them pass. */
  failing: CheckResult[];
  /** What else the host wants, in words. */
  blocked?: string;
  /** Nothing holds the merge back (a host still computing is not taken as a hold). */
  ready: boolean;
}

export function judge(m: MergeReadiness): Judged {
  const held = m.checks.filter((c) => c.required && c.state !== 'success');
  const failing = held.filter((c) => c.state === 'failure');
  const waiting = held.filter((c) => c.state !== 'failure');
  return {
    waiting,
    failing,
    ...(m.blocked ? { blocked: m.blocked } : {}),
    ready: !held.length && !m.blocked,
  };
}

const names = (cs: CheckResult[]) => cs.map((c) => c.name).join(', ');
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Why it cannot merge yet, short (for a button): "waiting for 2 checks", "lint failed"; undefined when ready. */
export function holdShort(j: Judged): string | undefined {
  // A button's label is short: a long check name is counted, not named.
  const one = j.failing[0]?.name ?? '';
  if (j.failing.length)
    return j.failing.length === 1 && one.length <= 30
      ? `${one} failed`
      : `${plural(j.failing.length, 'check')} failed`;
  if (j.waiting.length) return `waiting for ${plural(j.waiting.length, 'check')}`;
  return j.blocked ? 'blocked' : undefined;
}

/** Why it cannot merge yet, in a sentence's words; undefined when ready. */
export function holdText(j: Judged): string | undefined {
  const parts: string[] = [];
  if (j.failing.length)
    parts.push(`required ${j.failing.length === 1 ? 'check' : 'checks'} ${names(j.failing)} failed`);
  if (j.waiting.length) parts.push(`waiting for ${plural(j.waiting.length, 'check')} (${names(j.waiting)})`);
  if (j.blocked) parts.push(j.blocked);
  return parts.length ? parts.join('; ') : undefined;
}

const ICON: Record<CheckResult['state'], string> = {
  success: '✅',
  failure: '❌',
  pending: '⏳',
  expected: '⏳',
};

/** The checks as the card lists them: icon, name (a link where the host gave one), required or not. */
export function checksLine(m: MergeReadiness): string {
  if (!m.checks.length) return 'none reported';
  return m.checks
    .map((c) => {
      // Names and addresses come from whoever reports a status: plain text, and only a web address as a link.
      const name = c.url && /^https?:\/\/[^\s()<>]+$/.test(c.url) ? link(c.name, c.url) : esc(c.name);
      const note = c.state === 'expected' ? ' (not started)' : '';
      return `${ICON[c.state]} ${name}${note}${c.required ? '' : ' (optional)'}`;
    })
    .join(' · ');
}

/** Whether two answers differ in anything the card shows. */
export function sameReadiness(a: MergeReadiness | undefined, b: MergeReadiness | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
