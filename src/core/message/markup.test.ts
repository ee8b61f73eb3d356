import { describe, expect, it } from 'vitest';
import { stripMarkup, trimLines, truncate } from './markup.ts';

describe('markup', () => {
  it('strips bold, italic, code and links to readable text', () => {
    expect(stripMarkup('**naver-news** is _Degraded_: see [Argo CD](https://argo/x) and `kubectl`')).toBe(
      'naver-news is Degraded: see Argo CD (https://argo/x) and kubectl',
    );
    expect(stripMarkup('a \\*literal\\* star and snake_case_name')).toBe(
      'a *literal* star and snake_case_name',
    );
  });

  it('stays linear on runs of backslashes with no closing mark (a log line can hold them)', () => {
    // Before the fix each added backslash doubled the time: 40 of them took minutes.
    const nasty = `**${'\\'.repeat(5_000)}x [${'\\'.repeat(5_000)} _${'\\'.repeat(5_000)}`;
    // Each pair of backslashes is one escaped backslash: 7,500 of the 15,000 remain.
    expect(stripMarkup(nasty).length).toBeGreaterThan(7_500);
  });

  it('trims lines from either end and says how many were dropped', () => {
    const log = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n');
    expect(trimLines(log, 3, 'end')).toEqual({ text: '… 7 more lines\nline 8\nline 9\nline 10', omitted: 7 });
    expect(trimLines(log, 3).text.split('\n').at(-1)).toBe('… 7 more lines');
    expect(truncate('abcdef', 4)).toBe('abc…');
  });
});
