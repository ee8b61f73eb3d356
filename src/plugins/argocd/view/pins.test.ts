import { describe, expect, it } from 'vitest';
import { pinnedTag, pinOf, pinPattern, readPin, updaterKey } from './pins.ts';

describe('Image Updater pins', () => {
  it('admit exactly the pinned tag, read back whatever characters a tag may hold', () => {
    for (const tag of ['1.4.2', 'master-484af0a', 'v1.2.3+build.7', '2026.08.1_rc']) {
      const pattern = pinPattern(tag);
      expect(pinnedTag(pattern)).toBe(tag);
      // The pattern as Go's regexp (RE2) reads it: JavaScript's agrees for these escapes.
      const re = new RegExp(pattern.slice('regexp:'.length));
      expect(re.test(tag)).toBe(true);
      expect(re.test(`${tag}1`)).toBe(false);
      if (tag.includes('.')) expect(re.test(tag.replace('.', 'x'))).toBe(false);
    }
  });

  it('are not read into allow-tags that admit more than one tag', () => {
    for (const v of [
      'regexp:^1\\.4\\.',
      'regexp:^v1\\.',
      'regexp:^1\\.4\\..*$',
      'any',
      'regexp:^(a|b)$',
      undefined,
    ])
      expect(pinnedTag(v)).toBeUndefined();
  });

  it("read deckhand's record only when it is one, and only for the tag pinned now", () => {
    const record = { tag: '1.4.2', by: 'alice', reason: 'roll back 1.5.0', at: '2026-12-06T10:00:00Z' };
    expect(readPin(JSON.stringify(record))).toEqual(record);
    expect(readPin('not json')).toBeUndefined();
    expect(readPin('{"tag":1}')).toBeUndefined();
    const annotations = {
      [updaterKey('api', 'allow-tags')]: pinPattern('1.4.2'),
      'deckhand.dev/pin.api': JSON.stringify(record),
    };
    expect(pinOf(annotations, 'api')).toEqual({ tag: '1.4.2', record });
    // Someone changed allow-tags by hand since: the record no longer describes the pin.
    expect(pinOf({ ...annotations, [updaterKey('api', 'allow-tags')]: pinPattern('1.4.3') }, 'api')).toEqual({
      tag: '1.4.3',
    });
    expect(pinOf({}, 'api')).toBeUndefined();
  });

  it('key per-image options by alias, with a slash written as Image Updater writes it', () => {
    expect(updaterKey('team/api', 'allow-tags')).toBe('argocd-image-updater.argoproj.io/team_api.allow-tags');
  });
});
