import { describe, expect, it } from 'vitest';
import { applyWish, formatImage, parseImage, parseWish, shortName } from './image-ref.ts';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references', () => {
  it('splits registry ports from tags, and digests', () => {
    expect(parseImage('registry.local:5000/team/api:1.4.2')).toEqual({
      repo: 'registry.local:5000/team/api',
      tag: '1.4.2',
    });
    expect(parseImage('registry.local:5000/team/api')).toEqual({ repo: 'registry.local:5000/team/api' });
    expect(parseImage(`nginx:1.27@${digest}`)).toEqual({ repo: 'nginx', tag: '1.27', digest });
    expect(formatImage({ repo: 'nginx', tag: '1.27', digest })).toBe(`nginx:1.27@${digest}`);
    expect(shortName('ghcr.io/sijunkim/naver-news-spring')).toBe('naver-news-spring');
  });

  it('reads what a person asks for: a tag, a reference, a digest', () => {
    expect(parseWish('master-484af0a')).toEqual({ tag: 'master-484af0a' });
    expect(parseWish('ghcr.io/acme/app:1.2.3')).toEqual({ repo: 'ghcr.io/acme/app', tag: '1.2.3' });
    expect(parseWish(`ghcr.io/acme/app@${digest}`)).toEqual({ repo: 'ghcr.io/acme/app', digest });
    expect(parseWish(digest)).toEqual({ digest });
  });

  it('refuses references without a version and malformed tags', () => {
    expect(() => parseWish('ghcr.io/acme/app')).toThrow(/names no tag or digest/);
    expect(() => parseWish('bad tag!')).toThrow(/not a valid image tag/);
    expect(() => parseWish('app@sha256:xyz')).toThrow(/invalid digest/);
  });

  it('drops the old digest when a new tag is asked for, and keeps the repository otherwise', () => {
    expect(applyWish({ repo: 'a', tag: '1', digest }, { tag: '2' })).toEqual({ repo: 'a', tag: '2' });
    expect(applyWish({ repo: 'a', tag: '1' }, { repo: 'b', digest })).toEqual({ repo: 'b', digest });
  });
});
