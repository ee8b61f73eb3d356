/**
 * The strategies against Argo CD Image Updater's own cases: the tag sets and answers of
 * registry-scanner/pkg/image/version_test.go (Test_LatestVersion, Test_VersionConstraint_IsTagIgnored)
 * and the examples of docs/basics/update-strategies.md and docs/configuration/images.md, plus
 * Masterminds/semver v3's documented constraint forms, which Image Updater's annotations use.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConstraint, parseVersion } from './semver.ts';
import { filterTags, goGlob, pickTag, strategyOf, type TagFacts, type TagPolicy } from './strategy.ts';

const facts = (tags: string[], dated = false): TagFacts[] =>
  tags.map((tag, i) => ({ tag, created: new Date((dated ? i * 5 : 0) * 1000).toISOString() }));
const pick = (tags: string[], policy: Partial<TagPolicy>, dated = false) =>
  pickTag(facts(tags, dated), { strategy: 'semver', ...policy }).tag;

const ladder = ['0.1', '0.5.1', '0.9', '1.0', '1.0.1', '1.1.2', '2.0.3'];

describe("Image Updater's Test_LatestVersion cases", () => {
  it('semver without a constraint: the highest version', () => {
    expect(pick(ladder, {})).toBe('2.0.3');
  });
  it('semver ^1.0 and ~1.0', () => {
    expect(pick(ladder, { constraint: '^1.0' })).toBe('1.1.2');
    expect(pick(ladder, { constraint: '~1.0' })).toBe('1.0.1');
  });
  it('no constraint leaves pre-releases out', () => {
    expect(pick(['v2.2.0', 'v2.3.0-rc.0.18.g1abb7b5dd-ppc64le'], {})).toBe('v2.2.0');
  });
  it('a constraint nothing meets picks nothing', () => {
    expect(pick(['0.1', '0.5.1', '0.9', '2.0.3'], { constraint: '~1.0' })).toBeUndefined();
    expect(pick([], { constraint: '~1.0' })).toBeUndefined();
  });
  it('a constraint that is not one is an error', () => {
    expect(() => pick(['0.1'], { constraint: 'latest' })).toThrow(/'latest' is not a version constraint/);
  });
  it('newest-build: the latest build date; alphabetical: the last name; semver: none of these names', () => {
    const names = ['zz', 'bb', 'yy', 'cc', 'yy', 'aa', 'll'];
    expect(pick(names, { strategy: 'newest-build' }, true)).toBe('ll');
    expect(pick(names, { strategy: 'alphabetical' }, true)).toBe('zz');
    expect(pick(names, {}, true)).toBeUndefined();
  });
  it('digest follows the named tag to its new digest', () => {
    const r = pickTag([{ tag: 'latest', digest: 'sha256:abcdefg' }, { tag: 'v1' }], {
      strategy: 'digest',
      constraint: 'latest',
    });
    expect(r).toMatchObject({ tag: 'latest', digest: 'sha256:abcdefg' });
  });
});

describe('the documented constraint forms', () => {
  const ok = (c: string, v: string) => parseConstraint(c).test(parseVersion(v)!);
  it('1.2.x stays on the patch branch, 1.x on the major', () => {
    expect(ok('1.2.x', '1.2.12')).toBe(true);
    expect(ok('1.2.x', '1.3.0')).toBe(false);
    expect(ok('1.x', '1.15.2')).toBe(true);
    expect(ok('1.x', '2.0.0')).toBe(false);
  });
  it('reads calendar tags with leading zeros as Masterminds does (2026.08.1 is 2026.8.1)', () => {
    expect(ok('~2026.08', '2026.08.3')).toBe(true);
    expect(ok('~2026.08', '2026.09.0')).toBe(false);
    expect(pick(['2026.08.1', '2026.08.10', '2026.08.9'], {})).toBe('2026.08.10');
  });
  it('a v prefix is the same version either way', () => {
    expect(ok('v1.x', '1.0')).toBe(true);
    expect(ok('1.x', 'v1.0')).toBe(true);
  });
  it('-0 lets pre-releases in (2.x-0), and only then', () => {
    expect(ok('2.x-0', '2.0.0-rc1')).toBe(true);
    expect(ok('2.x-0', '2.1.0')).toBe(true);
    expect(ok('2.x', '2.0.0-rc1')).toBe(false);
    expect(ok('2.x-0', '3.0.0-rc1')).toBe(false);
    // The hint deckhand gives for no constraint: every version, pre-releases included.
    expect(ok('*-0', '2.1.0-rc1')).toBe(true);
    expect(ok('*-0', '2.1.0')).toBe(true);
    expect(ok('*', '2.1.0-rc1')).toBe(false);
  });
  it('Masterminds ranges: tilde, caret, comparisons joined by commas or spaces, ||, hyphen', () => {
    expect(ok('~1.4', '1.4.9')).toBe(true);
    expect(ok('~1.4', '1.5.0')).toBe(false);
    expect(ok('^0.2.3', '0.2.9')).toBe(true);
    expect(ok('^0.2.3', '0.3.0')).toBe(false);
    expect(ok('>= 1.2, < 3.0', '2.9.9')).toBe(true);
    expect(ok('>=1.2 <3.0', '3.0.0')).toBe(false);
    expect(ok('<1.2 || >=2', '2.5.0')).toBe(true);
    expect(ok('1.2 - 1.4.5', '1.4.5')).toBe(true);
    expect(ok('1.2 - 1.4.5', '1.4.6')).toBe(false);
    expect(ok('> 1.2', '1.2.9')).toBe(false);
    expect(ok('> 1.2', '1.3.0')).toBe(true);
    expect(ok('<= 1.2', '1.2.9')).toBe(true);
    expect(ok('!= 1.2.3', '1.2.3')).toBe(false);
  });
});

describe('allow-tags and ignore-tags', () => {
  const tags = ['a5fb3d3', 'f7bb2e3', 'latest', 'master', 'tag1', 'tag10', 'foo'];
  it('regexp: keeps what matches, says why the rest went', () => {
    const r = filterTags(tags, { strategy: 'newest-build', allowTags: 'regexp:^[0-9a-f]{7}$' });
    expect(r.kept).toEqual(['a5fb3d3', 'f7bb2e3']);
    expect(r.skipped[0]).toEqual({ tag: 'latest', why: 'not allowed by regexp:^[0-9a-f]{7}$' });
  });
  it('a misconfigured allow-tags matches nothing, so nothing wrong is picked', () => {
    expect(filterTags(tags, { strategy: 'semver', allowTags: 'regexp:([' }).kept).toEqual([]);
    expect(filterTags(tags, { strategy: 'semver', allowTags: 'glob:*' }).kept).toEqual([]);
  });
  it("ignore-tags globs: Image Updater's IsTagIgnored cases and ignoring everything", () => {
    expect(
      filterTags(['tag1', 'tag2', 'tag3'], { strategy: 'semver', ignoreTags: ['tag1', 'tag2'] }).kept,
    ).toEqual(['tag3']);
    const r = filterTags(['tag1', 'foo', 'tag10'], { strategy: 'semver', ignoreTags: ['tag?', 'foo'] });
    expect(r.kept).toEqual(['tag10']);
    expect(r.skipped).toEqual([
      { tag: 'tag1', why: 'ignored by tag?' },
      { tag: 'foo', why: 'ignored by foo' },
    ]);
    expect(filterTags(tags, { strategy: 'semver', ignoreTags: ['*'] }).kept).toEqual([]);
  });
  it('reads Go glob classes and escapes', () => {
    expect(goGlob('v[0-9]*')!.test('v1.2')).toBe(true);
    expect(goGlob('v[^0-9]*')!.test('v1.2')).toBe(false);
    expect(goGlob('a\\*')!.test('a*')).toBe(true);
    expect(goGlob('a\\*')!.test('ab')).toBe(false);
    expect(goGlob('[')).toBeUndefined();
  });
  // Cases of Go's path/filepath match_test.go (matchTests): pattern, name, match; a bad pattern
  // (ErrBadPattern) matches nothing here.
  it.each([
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'a', false],
    ['[\\]a]', ']', true],
    ['[\\d]', 'd', true],
    ['[\\d]', '7', false],
    ['[^a-c]', 'b', false],
    ['[^a-c]', 'd', true],
    ['a[b-d]e', 'ace', true],
  ] as const)('Go glob %s against %s: %s', (pattern, name, match) => {
    expect(goGlob(pattern)?.test(name)).toBe(match);
  });
  it.each(['[]a]', '[-]', '[x-]', '[-x]', '\\', '[a-b-c]', '[^', '[^bc', 'a['])(
    '%s is a bad pattern',
    (p) => {
      expect(goGlob(p)).toBeUndefined();
    },
  );
});

describe('strategy names', () => {
  it('takes the deprecated names Image Updater still accepts', () => {
    expect(strategyOf('latest')).toBe('newest-build');
    expect(strategyOf('name')).toBe('alphabetical');
    expect(strategyOf(undefined)).toBe('semver');
    expect(strategyOf('newest')).toBeUndefined();
  });
  it('says why a pre-release was passed over', () => {
    const r = pickTag(facts(['1.4.0', '1.5.0-rc.1']), { strategy: 'semver', constraint: '~1.4' });
    expect(r.tag).toBe('1.4.0');
    expect(r.skipped).toEqual([
      { tag: '1.5.0-rc.1', why: 'a pre-release (allow them with a constraint such as ~1.4-0)' },
    ]);
  });
});

describe("Masterminds/semver's own constraint checks (v3.4.0, the version Image Updater builds with)", () => {
  const { cases } = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures', 'masterminds-v3.4.0-constraints.json'), 'utf8'),
  ) as { cases: [string, string, boolean][] };
  it.each(cases)('%s against %s: %s', (constraint, version, satisfied) => {
    expect(parseConstraint(constraint).test(parseVersion(version)!)).toBe(satisfied);
  });
  // Beyond its tests, as its code reads (rewriteRange, constraintNotEqual, constraintTilde).
  it.each([
    ['<3,1.0.0 - 2.0.0', '1.5.0', true],
    ['!=4.1, >=0.0.0-0', '4.1.1-beta', true],
    ['!=4-alpha', '4.0.0-0', false],
    ['~0.0.0-beta', '0.0.0-alpha', false],
  ] as const)('%s against %s: %s', (constraint, version, satisfied) => {
    expect(parseConstraint(constraint).test(parseVersion(version)!)).toBe(satisfied);
  });
});
