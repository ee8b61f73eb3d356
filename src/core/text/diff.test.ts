import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, unifiedDiff } from './diff.ts';

const apply = (edits: ReturnType<typeof diffLines>) => ({
  a: edits.filter((e) => e.op !== '+').map((e) => e.line),
  b: edits.filter((e) => e.op !== '-').map((e) => e.line),
});

describe('diffLines', () => {
  it('reproduces both sides from the edit script, for any input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd')),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd')),
        (a, b) => {
          const e = diffLines(a, b);
          expect(apply(e)).toEqual({ a, b });
        },
      ),
    );
  });
  it('is minimal for a one-line change', () => {
    const e = diffLines(['x', 'y', 'z'], ['x', 'Y', 'z']);
    expect(e.filter((x) => x.op !== ' ')).toEqual([
      { op: '-', line: 'y' },
      { op: '+', line: 'Y' },
    ]);
  });
});

describe('unifiedDiff', () => {
  it('writes hunks with context and line numbers like diff -u', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].join('\n');
    const after = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h'].join('\n');
    expect(unifiedDiff(before, after, { from: 'live', to: 'desired' })).toBe(
      ['--- live', '+++ desired', '@@ -1,7 +1,7 @@', ' a', ' b', ' c', '-d', '+D', ' e', ' f', ' g'].join(
        '\n',
      ),
    );
  });
  it('is empty for equal texts', () => {
    expect(unifiedDiff('same\n', 'same\n')).toBe('');
  });
  // Expected hunks as GNU diffutils' `diff -u` writes them for the same files.
  it('counts a file ending in a newline as its lines only; a deleted or new file has a 0,0 side', () => {
    const body = (d: string) => d.split('\n').slice(2).join('\n');
    expect(body(unifiedDiff('a\nb\nc\n', ''))).toBe(['@@ -1,3 +0,0 @@', '-a', '-b', '-c'].join('\n'));
    expect(body(unifiedDiff('', 'x\ny\n'))).toBe(['@@ -0,0 +1,2 @@', '+x', '+y'].join('\n'));
    expect(body(unifiedDiff('x\ny\n', 'x\ny\nz\n'))).toBe(['@@ -1,2 +1,3 @@', ' x', ' y', '+z'].join('\n'));
  });
});
