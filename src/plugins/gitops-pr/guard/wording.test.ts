import { describe, expect, it } from 'vitest';
import { branchName } from '../changes.ts';
import { BadWordingError, checkWording, leftoverIn, leftoverInRef, refNameProblem } from './wording.ts';

describe('leftovers of a missing value', () => {
  it.each([
    ['naver-news: set memory limit 768Mi, cpu limit undefined', '"undefined"'],
    ['revert #NaN', '"NaN"'],
    ['scale to null replicas.', '"null"'],
    ['set [object Object] for web', '"[object …]"'],
    ['naver-news: set  to 1Gi', 'two spaces'],
    ['limits: , requests: 1', 'an empty item'],
    ['revert abc1234 ()', 'an empty item'],
    ['Asked by **** (alice)', 'an empty item'],
    ['naver-news: ', 'missing at the end'],
    ['- values.yaml: image.digest sha256:abc →', 'missing at the end'],
    ['revert #', 'a number missing'],
    ['', 'empty'],
  ])('%j has %s', (text, says) => {
    expect(leftoverIn(text)).toContain(says);
  });

  it('says which line, as it was written', () => {
    expect(leftoverIn('web: scale to 3 replicas\n\n- replicas 2 → undefined')).toBe(
      '"undefined" (line 3: "- replicas 2 → undefined")',
    );
  });

  it('lets names and words that only contain a forbidden one through', () => {
    expect(leftoverIn('null-exporter: scale to 2 replicas')).toBeUndefined();
    expect(leftoverIn('- values.yaml: image.digest sha256:abc → ""')).toBeUndefined();
    expect(
      leftoverIn('Proposed by deckhand for **web** (Argo CD default, project default).'),
    ).toBeUndefined();
  });

  it('takes someone else’s words as they are: a reason, a reverted commit’s subject', () => {
    const body =
      'web: revert abc1234\n\n- revert abc1234 "handle null  values" (Bob)\n\nReason: cpu limit undefined,';
    expect(leftoverIn(body)).toBeDefined();
    expect(leftoverIn(body, ['handle null  values', 'Bob', 'cpu limit undefined,'])).toBeUndefined();
    // A short name hides only itself, not part of a longer word.
    expect(leftoverIn('web: undefined', ['undefined'])).toBeUndefined();
    expect(leftoverIn('web: set cpu limit undefined', ['def'])).toContain('"undefined"');
  });
});

describe('branch names', () => {
  it('takes deckhand’s own', () => {
    expect(refNameProblem(branchName({ kind: 'resources', limits: { memory: '768Mi' } }, 'naver-news'))).toBe(
      undefined,
    );
  });

  it('finds a leftover word between the separators, but not in the app’s own name', () => {
    expect(leftoverInRef('deckhand/replicas/undefined-0a1b2c3')).toBe('"undefined"');
    expect(leftoverInRef('deckhand/NaN/web-0a1b2c3')).toBe('"NaN"');
    expect(leftoverInRef('deckhand/replicas/null-exporter-0a1b2c3', ['null-exporter'])).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['deckhand/replicas/web..x', '".."'],
    ['deckhand/replicas/web x', 'a space'],
    ['deckhand/image/web:1.2', 'a space or one of'],
    ['deckhand/image/web~1', 'a space or one of'],
    ['deckhand/image/web^', 'a space or one of'],
    ['deckhand/image/we?b', 'a space or one of'],
    ['deckhand/image/we*b', 'a space or one of'],
    ['deckhand/image/we[b', 'a space or one of'],
    ['deckhand/image/we\\b', 'a space or one of'],
    ['deckhand/image/web\u0007', 'a space or one of'],
    ['deckhand/image/web.lock', '".lock"'],
    ['deckhand/.image/web', 'starts with "."'],
    ['/deckhand/image/web', '"/"'],
    ['deckhand/image/web/', '"/"'],
    ['deckhand//web', '"//"'],
    ['deckhand/image/web.', 'ends with "."'],
    ['deckhand/web@{1}', '"@{"'],
    ['@', '"@"'],
  ])('refuses %j (%s)', (name, says) => {
    expect(refNameProblem(name)).toContain(says);
  });
});

describe('checkWording', () => {
  const ok = {
    title: 'web: scale to 3 replicas',
    body: 'Proposed by deckhand for **web**.\n\n- apps/web/deployment.yaml: Deployment web spec.replicas 2 → 3',
    message: 'web: scale to 3 replicas\n\n- apps/web/deployment.yaml: Deployment web spec.replicas 2 → 3',
    branch: 'deckhand/replicas/web-0a1b2c3',
  };

  it('passes what deckhand writes, and names every problem it finds', () => {
    expect(() => checkWording(ok, [])).not.toThrow();
    const bad = {
      ...ok,
      title: 'web: scale to NaN replicas',
      branch: 'deckhand/replicas/undefined-0a1b2c3.lock',
    };
    expect(() => checkWording(bad, [])).toThrow(BadWordingError);
    expect(() => checkWording(bad, [])).toThrow(
      /pull request title has "NaN".*branch name .* is not valid: its part .* ends with "\.lock".*branch name has "undefined"/,
    );
  });
});
