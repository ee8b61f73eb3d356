/**
 * Semantic versions and constraints as Argo CD Image Updater reads them: it uses Masterminds/semver
 * v3 (registry-scanner/pkg/image/version.go), whose rules differ from npm's in ways people rely on
 * in their annotations, so they are followed here rather than npm's:
 * - a tag may be partial or carry a `v`: `1.0`, `v2.2.0` (NewVersion, non-strict);
 * - constraints are joined by commas or spaces (AND) and `||` (OR); `1.2 - 1.4` is a range;
 * - a missing or wildcard part (`1.2`, `1.2.x`, `2.*`) makes `=`, `>`, `<=` and `!=` work on the
 *   part that is given (`=1.2` is `~1.2`);
 * - a pre-release satisfies an AND group only when one of its constraints names a pre-release
 *   (v3.4, the version Image Updater builds with: `>= 1.0.0-0 <= 2.0.0` admits `1.0.1-beta`): the
 *   documented `2.x-0` admits `2.1.0-rc1`, `2.x` does not;
 * - `~0.0.0` admits every version; `!=4.1-alpha` excludes the 4.1 versions with that pre-release.
 * Precedence (including pre-release identifiers) is npm semver's `compare`, which is the spec's.
 */
import semver from 'semver';

export interface Version {
  /** As the tag spells it. */
  original: string;
  /** Normalised for comparison: `1.0` → `1.0.0`, `v2.2.0` → `2.2.0`. */
  parsed: semver.SemVer;
}

// Leading zeros are read as numbers (Masterminds' non-strict NewVersion does): calendar tags
// such as 2026.08.1 are versions.
const VERSION =
  /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/** A tag read as a version, or undefined when it is not one (`latest`, `master-3f9c2e1`). */
export function parseVersion(tag: string): Version | undefined {
  const m = VERSION.exec(tag);
  if (!m) return undefined;
  const n = (part: string | undefined) => Number(part ?? 0);
  const text = `${n(m[1])}.${n(m[2])}.${n(m[3])}${m[4] ? `-${m[4]}` : ''}`;
  const parsed = semver.parse(text);
  return parsed ? { original: tag, parsed } : undefined;
}

/** Higher precedence last; equal precedence broken by the tag's text, as Image Updater does. */
export const compareVersions = (a: Version, b: Version): number =>
  semver.compare(a.parsed, b.parsed) || (a.original < b.original ? -1 : a.original > b.original ? 1 : 0);

type Check = (v: semver.SemVer) => boolean;

interface Bound {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
  /** How many leading parts were given as numbers (a wildcard or a missing part ends them). */
  given: 0 | 1 | 2 | 3;
}

const PART = String.raw`(?:\d+|x|X|\*)`;
const BOUND = new RegExp(
  String.raw`^v?(${PART})(?:\.(${PART}))?(?:\.(${PART}))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$`,
);
const OPS = ['!=', '>=', '=>', '<=', '=<', '~>', '>', '<', '=', '~', '^'] as const;

function parseBound(text: string, constraint: string): Bound {
  const m = BOUND.exec(text);
  if (!m) throw new Error(`'${constraint}' is not a version constraint ('${text}' is not a version)`);
  const parts = [m[1], m[2], m[3]];
  let given = 0;
  while (given < 3 && parts[given] !== undefined && /^\d+$/.test(parts[given] as string)) given++;
  const num = (i: number) => (i < given ? Number(parts[i]) : 0);
  return {
    major: num(0),
    minor: num(1),
    patch: num(2),
    prerelease: m[4] ?? '',
    given: given as Bound['given'],
  };
}

const ver = (b: Bound, major = b.major, minor = b.minor, patch = b.patch, pre = b.prerelease) =>
  new semver.SemVer(`${major}.${minor}.${patch}${pre ? `-${pre}` : ''}`);

/** [low, high) of a tilde: `~1.2.3` and `~1.2` stay within 1.2, `~1` within 1. */
function tilde(b: Bound): [semver.SemVer, semver.SemVer] {
  const low = ver(b);
  if (b.given <= 1) return [low, ver(b, b.major + 1, 0, 0, '')];
  return [low, ver(b, b.major, b.minor + 1, 0, '')];
}

/** [low, high) of a caret: the left-most non-zero part given stays. */
function caret(b: Bound): [semver.SemVer, semver.SemVer] {
  const low = ver(b);
  if (b.major > 0 || b.given <= 1) return [low, ver(b, b.major + 1, 0, 0, '')];
  if (b.minor > 0 || b.given === 2) return [low, ver(b, 0, b.minor + 1, 0, '')];
  return [low, ver(b, 0, 0, b.patch + 1, '')];
}

/**
 * Masterminds compares the given parts, not a bound: `~2` wants major 2, so `3.0.0-rc1` is out
 * although it sorts below `3.0.0`. The upper end is therefore checked on the release part only.
 */
const release = (v: semver.SemVer) => new semver.SemVer(`${v.major}.${v.minor}.${v.patch}`);
const within =
  ([low, high]: [semver.SemVer, semver.SemVer]): Check =>
  (v) =>
    semver.gte(v, low) && semver.lt(release(v), high);

function comparator(op: string, b: Bound): Check {
  // `*`, `x`, `*-0`: every version (the pre-release gate still applies: `*-0` admits them).
  if (b.given === 0 && ['', '=', '~', '~>', '^', '>=', '=>'].includes(op)) return () => true;
  // Masterminds' constraintTilde: "~0.0.0 is a special case where all constraints are accepted".
  // (after its LessThan check: ~0.0.0-beta does not admit 0.0.0-alpha)
  if ((op === '~' || op === '~>') && b.given === 3 && !b.major && !b.minor && !b.patch)
    return (v) => semver.gte(v, ver(b));
  // constraintNotEqual with the patch left out: another major or minor, or, where either has a
  // pre-release, another one (`!=4.1-alpha` lets 4.1.0 through, not 4.1.1-alpha; `!=4.1` lets
  // 4.1.1-beta through when the group admits pre-releases). With the minor left out, any 4.x is equal.
  if (op === '!=' && b.given === 2)
    return (v) =>
      v.major !== b.major ||
      v.minor !== b.minor ||
      ((v.prerelease.length > 0 || !!b.prerelease) && v.prerelease.join('.') !== b.prerelease);
  if (op === '!=' && b.given === 1) return (v) => v.major !== b.major;
  const exact = ver(b);
  const wild = b.given < 3;
  switch (op) {
    case '':
    case '=':
      return wild ? within(tilde(b)) : (v) => semver.eq(v, exact);
    case '!=':
      return wild ? (v) => !within(tilde(b))(v) : (v) => !semver.eq(v, exact);
    case '>':
      // `> 1.2` means past all of 1.2, not past 1.2.0.
      return wild ? (v) => semver.gte(v, tilde(b)[1]) : (v) => semver.gt(v, exact);
    case '>=':
    case '=>':
      return (v) => semver.gte(v, exact);
    case '<':
      return (v) => semver.lt(v, exact);
    case '<=':
    case '=<':
      return wild ? (v) => semver.lt(release(v), tilde(b)[1]) : (v) => semver.lte(v, exact);
    case '~':
    case '~>':
      return within(tilde(b));
    case '^':
      return within(caret(b));
  }
  throw new Error(`unknown operator ${op}`);
}

/**
 * Hyphen ranges anywhere in a constraint as comparisons, as Masterminds' rewriteRange does before
 * anything else: `1.0.0 - 2.0.0 <=2.0.0` is `>= 1.0.0, <= 2.0.0, <=2.0.0`.
 */
const rewriteRanges = (c: string) => c.replace(/(?<=^|[\s,|])([^\s,|]+)\s+-\s+([^\s,|]+)/g, '>= $1, <= $2 ');

/** One AND group's comparators: `>= 1.2, < 3.0`, `>=1.2 <3`, `>= 1.2, <= 1.4.5`, `*`. */
function parseGroup(group: string, constraint: string): Check[] {
  const entries: { check: Check; pre: boolean }[] = [];
  // Operators may stand apart from their version (`>= 1.2`); join them before splitting on spaces.
  const tokens = group
    .replace(/(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+/g, '$1')
    .split(/[\s,]+/)
    .filter(Boolean);
  for (const t of tokens) {
    const op = OPS.find((o) => t.startsWith(o)) ?? '';
    const rest = t.slice(op.length);
    if (!op && /^[xX*]$/.test(rest)) {
      entries.push({ check: () => true, pre: false }); // any version (the gate below applies)
      continue;
    }
    const b = parseBound(rest, constraint);
    entries.push({ check: comparator(op, b), pre: !!b.prerelease });
  }
  if (!entries.length) throw new Error(`'${constraint}' is not a version constraint`);
  // Masterminds v3.4 (NewConstraint's containsPre): a pre-release is compatible with an AND group
  // only when one of its constraints names a pre-release; then with every constraint of it.
  const admitsPre = entries.some((e) => e.pre);
  return entries.map(
    ({ check }) =>
      (v) =>
        v.prerelease.length > 0 && !admitsPre ? false : check(v),
  );
}

export interface Constraint {
  text: string;
  test(v: Version): boolean;
}

/** Parse a constraint (`~1.4`, `^1.0`, `1.2.x`, `2.x-0`, `>=1.2, <2 || 3.x`); empty or `*`: any release. */
export function parseConstraint(text: string): Constraint {
  const t = text.trim() || '*';
  const groups = rewriteRanges(t)
    .split('||')
    .map((g) => parseGroup(g, t));
  return {
    text: t,
    test: (v) => groups.some((g) => g.every((check) => check(v.parsed))),
  };
}

/** Compare two tags as versions; 0 when either is not one. */
export function compareTags(a: string, b: string): number {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  return va && vb ? semver.compare(va.parsed, vb.parsed) : 0;
}
