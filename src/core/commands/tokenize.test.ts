import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize.ts';

const values = (s: string) => tokenize(s).map((w) => w.value);

describe('tokenize', () => {
  it('splits on any whitespace', () => {
    expect(values('  argo   status\tnaver-news ')).toEqual(['argo', 'status', 'naver-news']);
  });
  it('groups quoted text and removes the quotes', () => {
    expect(values(`gitops revert app --reason "broke prod" 'it is'`)).toEqual([
      'gitops',
      'revert',
      'app',
      '--reason',
      'broke prod',
      'it is',
    ]);
  });
  it('accepts the typographic quotes chat clients insert', () => {
    expect(values('say “hello there”')).toEqual(['say', 'hello there']);
  });
  it('joins quoted and bare parts of one word', () => {
    expect(values('key="a b"c')).toEqual(['key=a bc']);
  });
  it('marks quoted words so they are never flags', () => {
    expect(tokenize('"--prune"')[0]).toEqual({ value: '--prune', quoted: true });
  });
  it('keeps an empty quoted argument', () => {
    expect(values('x ""')).toEqual(['x', '']);
  });
  it('honours backslash escapes', () => {
    expect(values('a\\ b c')).toEqual(['a b', 'c']);
  });
  it('refuses an unclosed quote with a clear message', () => {
    expect(() => tokenize('argo status "naver')).toThrow(/Unclosed quote/);
  });
});
