/**
 * The words deckhand writes to Git — pull request title and body, commit message, branch name —
 * checked for what a missing value leaves behind when it is interpolated: `undefined`, `null`,
 * `NaN`, `[object Object]`, an empty slot (`set  to`, `: ,`, `()`), and for branch names the
 * rules of `git check-ref-format`. Text that is someone else's (a reason, a name, a reverted
 * commit's subject) is taken as it is: it is masked before the check.
 */
import { InputError } from '../../../core/errors.ts';

/** Words deckhand was about to write that it must not. Nothing was pushed. */
export class BadWordingError extends InputError {}

/**
 * A forbidden word stands alone: `null` and `null.` are, `null-exporter` and `a.null` (names)
 * are not.
 */
const word = (w: string) => new RegExp(`(?<![\\w./-])${w}(?![\\w/-]|\\.[\\w/])`);

const LEFTOVERS: { re: RegExp; says: string }[] = [
  { re: word('undefined'), says: '"undefined"' },
  { re: word('null'), says: '"null"' },
  { re: word('NaN'), says: '"NaN"' },
  { re: /\[object \w+\]/, says: '"[object …]"' },
  { re: /\S {2,}\S/, says: 'an empty value between two spaces' },
  { re: /:\s*,|,\s*,|\(\s*\)|\[\s*\]|\*\*\s*\*\*/, says: 'an empty item' },
  { re: /[,:→]\s*$|^\s*[,→]|→\s*[,;)]/m, says: 'a value missing at the end of a phrase' },
  { re: /#\s*$/m, says: 'a number missing after #' },
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Someone else's text, replaced by a plain word so that what is left is deckhand's own. Only
 * where it stands on its own: a short name (`web`) must not hide part of a longer word.
 */
function masked(text: string, verbatim: (string | undefined)[]): string {
  let out = text;
  // A name the types promise may still be missing at run time: it is then no one's words.
  const given = verbatim.filter((x): x is string => typeof x === 'string' && x.trim() !== '');
  for (const v of [...new Set(given)].sort((a, b) => b.length - a.length))
    // One `x` per line of it, so the lines of the text stay where they are.
    out = out.replace(new RegExp(`(?<!\\w)${escapeRe(v)}(?!\\w)`, 'g'), (m) =>
      m
        .split('\n')
        .map(() => 'x')
        .join('\n'),
    );
  return out;
}

/** What is wrong with a text deckhand wrote, if anything. */
export function leftoverIn(text: string, verbatim: (string | undefined)[] = []): string | undefined {
  if (text.trim() === '') return 'it is empty';
  const mine = masked(text, verbatim);
  for (const { re, says } of LEFTOVERS) {
    const m = re.exec(mine);
    if (m) {
      const line = mine.slice(0, m.index).split('\n').length;
      const shown = (text.split('\n')[line - 1] ?? '').trim().slice(0, 100);
      return `${says} (line ${line}: ${JSON.stringify(shown)})`;
    }
  }
  return undefined;
}

/** Why a branch name is not a valid Git ref name (`git check-ref-format --branch`), if it is not. */
export function refNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name === '@') return 'it is "@"';
  if (name.startsWith('/') || name.endsWith('/')) return 'it starts or ends with "/"';
  if (name.includes('//')) return 'it has an empty part ("//")';
  if (name.includes('..')) return 'it holds ".."';
  if (name.includes('@{')) return 'it holds "@{"';
  // Control characters, space, and the characters Git gives a meaning in revisions.
  const control = [...name].some((ch) => ch.charCodeAt(0) <= 0x20 || ch.charCodeAt(0) === 0x7f);
  if (control || /[~^:?*[\\]/.test(name)) return 'it holds a space or one of ~^:?*[\\';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `its part "${part}" starts with "."`;
    if (part.endsWith('.lock')) return `its part "${part}" ends with ".lock"`;
  }
  return undefined;
}

/**
 * A leftover in a branch name, whose words `/`, `-`, `_` and `.` separate (so the text rule, which
 * takes `null-exporter` for a name, does not apply): the app's own name is masked first.
 */
export function leftoverInRef(name: string, verbatim: (string | undefined)[] = []): string | undefined {
  const words = masked(name, verbatim).split(/[/._-]+/);
  const bad = words.find((w) => ['undefined', 'null', 'NaN'].includes(w) || /^\[?object\b/.test(w));
  return bad === undefined ? undefined : JSON.stringify(bad);
}

export interface Outgoing {
  title: string;
  body: string;
  message: string;
  branch: string;
}

/**
 * Refuse to write a title, body, commit message or branch name with a leftover in it (see the
 * file comment); `verbatim` lists the texts that are not deckhand's own.
 */
export function checkWording(out: Outgoing, verbatim: (string | undefined)[]): void {
  const problems: string[] = [];
  for (const key of ['title', 'body', 'message'] as const) {
    const p = leftoverIn(out[key], verbatim);
    if (p) problems.push(`the ${key === 'message' ? 'commit message' : `pull request ${key}`} has ${p}`);
  }
  const ref = refNameProblem(out.branch);
  if (ref) problems.push(`the branch name ${JSON.stringify(out.branch)} is not valid: ${ref}`);
  const leftover = leftoverInRef(out.branch, verbatim);
  if (leftover) problems.push(`the branch name has ${leftover}`);
  if (problems.length)
    throw new BadWordingError(`deckhand does not open this change: ${problems.join('; ')}.`, {
      hint: 'Nothing was pushed. This is a deckhand bug: please report it with the command you ran.',
    });
}
