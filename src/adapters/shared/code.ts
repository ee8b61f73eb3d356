/** Code blocks within a length limit: whole leading lines, and a count of what was left out. */
import { clipEscaped } from './chunk.ts';

/** Text that would close a ``` fence early gets a zero-width space between its backticks. */
export const guardFence = (s: string): string => s.replace(/```/g, '``\u200b`');

export interface FittedCode {
  text: string;
  /** Lines not shown in full. */
  omittedLines: number;
}

/** The leading lines of `code` that fit in `max` characters after `escape`. */
export function fitCode(code: string, max: number, escape: (s: string) => string = (s) => s): FittedCode {
  const lines = code.split('\n');
  const kept: string[] = [];
  let size = 0;
  for (const line of lines) {
    const e = escape(line);
    const add = e.length + (kept.length ? 1 : 0);
    if (size + add > max) {
      // A first line longer than the block still shows its beginning.
      if (kept.length === 0) {
        return { text: clipEscaped(e, max), omittedLines: lines.length };
      }
      break;
    }
    kept.push(e);
    size += add;
  }
  return { text: kept.join('\n'), omittedLines: lines.length - kept.length };
}

/** `N more line(s)`, for the notes under trimmed blocks. */
export const moreLines = (n: number, unit = 'line'): string =>
  `${n.toLocaleString('en-US')} more ${unit}${n === 1 ? '' : 's'}`;
