/** What holds a merge, in the words of the card and its buttons; host text stays plain. */
import { describe, expect, it } from 'vitest';
import type { CheckResult, MergeReadiness } from './hosts/types.ts';
import { checksLine, holdShort, holdText, judge } from './merge-readiness.ts';

const check = (name: string, state: CheckResult['state'], required = true, url?: string): CheckResult => ({
  name,
  state,
  required,
  ...(url ? { url } : {}),
});
const at = (checks: CheckResult[], blocked?: string): MergeReadiness => ({
  headSha: 'a'.repeat(40),
  checks,
  ...(blocked ? { blocked } : {}),
});

describe('merge readiness', () => {
  it('is held by required checks not passed and by what else the host wants; optional ones do not hold it', () => {
    expect(judge(at([check('ci', 'success'), check('docs', 'failure', false)])).ready).toBe(true);
    const waiting = judge(
      at([check('ci', 'pending'), check('lint', 'expected'), check('docs', 'failure', false)]),
    );
    expect([waiting.ready, holdShort(waiting), holdText(waiting)]).toEqual([
      false,
      'waiting for 2 checks',
      'waiting for 2 checks (ci, lint)',
    ]);
    const failed = judge(at([check('lint', 'failure'), check('ci', 'pending')], 'it conflicts with main'));
    expect(holdShort(failed)).toBe('lint failed');
    expect(holdText(failed)).toBe(
      'required check lint failed; waiting for 1 check (ci); it conflicts with main',
    );
    expect(holdShort(judge(at([check('x'.repeat(40), 'failure')])))).toBe('1 check failed');
    expect(holdShort(judge(at([], 'it is a draft')))).toBe('blocked');
  });

  it('lists checks with links only to web addresses, and names as plain text', () => {
    const line = checksLine(
      at([
        check('ci', 'success', true, 'https://ci.example/runs/1'),
        check('[click](https://evil.example)', 'failure', false, 'javascript:alert(1)'),
        check('lint', 'expected'),
      ]),
    );
    expect(line).toContain('✅ [ci](https://ci.example/runs/1)');
    expect(line).not.toContain('javascript:');
    // The name's own link syntax is escaped: shown as text, not followed.
    expect(line).toContain('❌ \\[click\\](https://evil.example)');
    expect(line).toContain('(optional)');
    expect(line).toContain('⏳ lint (not started)');
  });
});
