/**
 * Which tag an image moves to, by the rules of Argo CD Image Updater so that deckhand and the
 * updater agree on "the next image" (docs/basics/update-strategies.md, docs/configuration/images.md,
 * registry-scanner/pkg/image/version.go):
 * - `allow-tags` (`regexp:<re>` or `any`; anything else, or a bad regexp, allows nothing) and
 *   `ignore-tags` (Go filepath.Match globs) filter the registry's tags first;
 * - `semver`: the highest version within the constraint (tags that are not versions are left out);
 * - `newest-build`: the most recent build date (ties: the last name), needs each tag's config;
 * - `alphabetical`: the last name in lexical order;
 * - `digest`: the constraint names one mutable tag; it moves when its digest changed.
 * `latest` and `name` are accepted as the deprecated names of newest-build and alphabetical.
 */
import { compareVersions, parseConstraint, parseVersion } from './semver.ts';

export type Strategy = 'semver' | 'newest-build' | 'digest' | 'alphabetical';

export interface TagPolicy {
  strategy: Strategy;
  /** semver: the constraint (`~1.4`, `2.x-0`); digest: the tag to follow. */
  constraint?: string;
  /** `regexp:<expression>` or `any` (the default). */
  allowTags?: string;
  ignoreTags?: string[];
}

export interface Skipped {
  tag: string;
  why: string;
}

/** Read a strategy as Image Updater's annotation spells it, old names included. */
export function strategyOf(name: string | undefined): Strategy | undefined {
  const n = (name ?? 'semver').trim();
  if (n === 'latest') return 'newest-build';
  if (n === 'name') return 'alphabetical';
  return (['semver', 'newest-build', 'digest', 'alphabetical'] as const).find((s) => s === n);
}

/**
 * A character class of a Go glob from `at` (just after `[`), as Go's path/filepath matchChunk and
 * getEsc read it: an optional `^`, then ranges (`c` or `lo-hi`) until a `]` that follows at least
 * one; `\c` is c itself (so `[\d]` is the letter d, not a digit); an unescaped `-` or `]` where a
 * character belongs is a bad pattern. Returns the JavaScript class and the index of its `]`.
 */
function goClass(pattern: string, at: number): { re: string; end: number } | undefined {
  let i = at;
  let negated = false;
  if (pattern[i] === '^') {
    negated = true;
    i++;
  }
  const esc = (ch: string) => ch.replace(/[\]\\^-]/g, '\\$&');
  const char = (): string | undefined => {
    let ch = pattern[i];
    if (ch === undefined || ch === '-' || ch === ']') return undefined;
    if (ch === '\\') ch = pattern[++i];
    if (ch === undefined) return undefined;
    i++;
    return ch;
  };
  let ranges = '';
  for (let n = 0; ; n++) {
    if (pattern[i] === ']' && n > 0) return { re: `[${negated ? '^' : ''}${ranges}]`, end: i };
    const lo = char();
    if (lo === undefined) return undefined;
    let hi = lo;
    if (pattern[i] === '-') {
      i++;
      const h = char();
      if (h === undefined) return undefined;
      hi = h;
    }
    // Go matches lo <= r <= hi; a backwards range matches nothing, which JavaScript refuses.
    ranges += hi < lo ? '' : lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`;
    if (pattern[i] === undefined) return undefined;
  }
}

/** Go's filepath.Match on a tag (no separators in tags): `*`, `?`, `[a-z]`, `[^…]`, `\` escapes. */
export function goGlob(pattern: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined; // ErrBadPattern
      re += next.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    } else if (c === '[') {
      const cls = goClass(pattern, i + 1);
      if (!cls) return undefined; // ErrBadPattern: the pattern then matches nothing
      re += cls.re;
      i = cls.end;
    } else re += c.replace(/[.+^${}()|\]\\/-]/g, '\\$&');
  }
  try {
    return new RegExp(`^${re}$`);
  } catch {
    return undefined;
  }
}

/** The tags the policy lets through, and why each other one was left out. */
export function filterTags(tags: string[], policy: TagPolicy): { kept: string[]; skipped: Skipped[] } {
  const allow = policy.allowTags?.trim() || 'any';
  let allowRe: RegExp | undefined;
  let allowNone: string | undefined;
  if (allow.startsWith('regexp:')) {
    try {
      allowRe = new RegExp(allow.slice('regexp:'.length));
    } catch (e) {
      allowNone = `allow-tags ${allow} is not a valid regular expression (${(e as Error).message})`;
    }
  } else if (allow !== 'any') allowNone = `allow-tags ${allow} is neither regexp:<expression> nor any`;
  const ignore = (policy.ignoreTags ?? []).map((g) => ({ g, re: goGlob(g.trim()) }));
  const kept: string[] = [];
  const skipped: Skipped[] = [];
  for (const tag of tags) {
    if (allowNone) skipped.push({ tag, why: allowNone });
    else if (allowRe && !allowRe.test(tag)) skipped.push({ tag, why: `not allowed by ${allow}` });
    else {
      const hit = ignore.find((i) => i.re?.test(tag));
      if (hit) skipped.push({ tag, why: `ignored by ${hit.g}` });
      else kept.push(tag);
    }
  }
  return { kept, skipped };
}

export interface TagFacts {
  tag: string;
  /** Build time (the config's `created`), for newest-build. */
  created?: string;
  /** What the tag points at now, for digest. */
  digest?: string;
}

export interface Pick {
  /** The tag to move to; absent when nothing qualifies. */
  tag?: string;
  digest?: string;
  skipped: Skipped[];
}

/**
 * Pick the next tag among those `filterTags` kept. Throws on a constraint that is not one, as
 * Image Updater does (it then updates nothing).
 */
export function pickTag(candidates: TagFacts[], policy: TagPolicy): Pick {
  const skipped: Skipped[] = [];
  switch (policy.strategy) {
    case 'semver': {
      const constraint = parseConstraint(policy.constraint ?? '');
      const versions = [];
      for (const c of candidates) {
        const v = parseVersion(c.tag);
        if (!v) skipped.push({ tag: c.tag, why: 'not a semantic version' });
        else if (!constraint.test(v))
          skipped.push({
            tag: c.tag,
            why:
              v.parsed.prerelease.length && !/-/.test(constraint.text)
                ? `a pre-release (allow them with a constraint such as ${constraint.text === '*' ? '*-0' : `${constraint.text}-0`})`
                : `outside ${constraint.text}`,
          });
        else versions.push(v);
      }
      versions.sort(compareVersions);
      return { tag: versions.at(-1)?.original, skipped };
    }
    case 'alphabetical': {
      const names = candidates.map((c) => c.tag).sort();
      return { tag: names.at(-1), skipped };
    }
    case 'newest-build': {
      const dated: { tag: string; t: number }[] = [];
      for (const c of candidates) {
        const t = c.created ? Date.parse(c.created) : NaN;
        if (Number.isNaN(t)) skipped.push({ tag: c.tag, why: 'no build date in its image config' });
        else dated.push({ tag: c.tag, t });
      }
      dated.sort((a, b) => a.t - b.t || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
      return { tag: dated.at(-1)?.tag, skipped };
    }
    case 'digest': {
      const want = policy.constraint?.trim();
      if (!want) throw new Error('the digest strategy follows one tag: name it (e.g. `latest`)');
      const hit = candidates.find((c) => c.tag === want);
      for (const c of candidates) if (c !== hit) skipped.push({ tag: c.tag, why: `not ${want}` });
      return hit ? { tag: hit.tag, digest: hit.digest, skipped } : { skipped };
    }
  }
}
