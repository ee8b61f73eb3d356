/**
 * Split a command line into words the way a shell user expects: whitespace separates, single and
 * double quotes group (and are removed), a backslash escapes the next character. Chat clients
 * replace quotes with typographic ones, so those count too.
 */
import { InputError } from '../errors.ts';

export interface Word {
  value: string;
  /** Some part of the word was quoted, so it is never read as a flag or a key=value pair. */
  quoted: boolean;
}

const openers: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '„': '“' };

export function tokenize(line: string): Word[] {
  const words: Word[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  let i = 0;
  const push = () => {
    if (inWord) words.push({ value: cur, quoted });
    cur = '';
    inWord = false;
    quoted = false;
  };
  while (i < line.length) {
    const ch = line[i] as string;
    if (/\s/.test(ch)) {
      push();
      i += 1;
      continue;
    }
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    const close = openers[ch];
    if (close !== undefined) {
      const end = line.indexOf(close, i + 1);
      if (end < 0) throw new InputError(`Unclosed quote ${ch} in: ${line}`, { hint: 'Close the quote.' });
      cur += line.slice(i + 1, end);
      inWord = true;
      quoted = true;
      i = end + 1;
      continue;
    }
    cur += ch;
    inWord = true;
    i += 1;
  }
  push();
  return words;
}
