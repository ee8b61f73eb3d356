import { describe, expect, it } from 'vitest';
import { chunkText, clip } from './chunk.ts';
import { plainText } from './inline.ts';
import { pageTable } from './table.ts';

describe('chunkText', () => {
  it('prefers line breaks, then spaces, and drops the whitespace at a cut', () => {
    expect(chunkText('aaaa bbbb\ncccc dddd', 12)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(chunkText('aaaa bbbb cccc', 10)).toEqual(['aaaa bbbb', 'cccc']);
    expect(chunkText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
  it('never cuts inside an atom that fits, nor between the halves of an emoji', () => {
    const link = '<https://a.example|l>';
    expect(chunkText(`xxxxxx ${link} yy`, 24, /<[^<>]*>/g)).toEqual(['xxxxxx', `${link} yy`]);
    // an atom longer than a piece has to be cut somewhere
    expect(chunkText(`<${'x'.repeat(30)}>`, 24, /<[^<>]*>/g)).toEqual([
      '<' + 'x'.repeat(23),
      'x'.repeat(7) + '>',
    ]);
    expect(chunkText('abc🚀def', 4)).toEqual(['abc', '🚀de', 'f']);
  });
  it('leaves out pieces that are only whitespace', () => {
    expect(chunkText('a' + '\n'.repeat(30) + 'b', 5)).toEqual(['a', 'b']);
    expect(chunkText('', 5)).toEqual([]);
  });
});

describe('clip', () => {
  it('keeps what fits and ends with an ellipsis when it cut', () => {
    expect(clip('abcdef', 6)).toBe('abcdef');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab🚀c', 4)).toBe('ab…');
  });
});

describe('plainText', () => {
  it('drops the markup and keeps link targets', () => {
    expect(plainText('**naver-news** is _Degraded_: see [Argo CD](https://a.example) `x` \\*')).toBe(
      'naver-news is Degraded: see Argo CD (https://a.example) x *',
    );
  });
});

describe('pageTable', () => {
  const table = {
    columns: ['app', 'n'],
    rows: Array.from({ length: 40 }, (_, i) => [`app-${i}`, String(i)]),
    align: ['left', 'right'] as ('left' | 'right')[],
  };
  it('repeats the header on every page and keeps each page within its size', () => {
    const { pages, omittedRows } = pageTable(table, { cellChars: 60, pageChars: 120, totalChars: 10_000 });
    expect(omittedRows).toBe(0);
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) {
      expect(p.length).toBeLessThanOrEqual(120);
      expect(p.split('\n').slice(0, 2)).toEqual(['app      n', '──────  ──']);
    }
    expect(pages.join('\n')).toContain('app-39  39');
  });
  it('counts the rows it leaves out and says when it cut a cell', () => {
    const r = pageTable(
      { columns: ['a'], rows: [['x'.repeat(100)], ...table.rows] },
      { cellChars: 10, pageChars: 200, totalChars: 100 },
    );
    expect(r.clipped).toBe(true);
    expect(r.omittedRows).toBeGreaterThan(0);
    expect(r.pages.join('\n')).toContain('xxxxxxxxx…');
  });
});
