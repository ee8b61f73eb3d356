/**
 * Container image references (`registry:5000/team/app:tag@sha256:…`) and what a person may give
 * for a bump: a bare tag, a full reference with a tag, or a digest.
 */
import { InputError } from '../../../core/errors.ts';
import { parseImage, type ImageRef } from '../../../core/image-ref.ts';

export { formatImage, parseImage, shortName, type ImageRef } from '../../../core/image-ref.ts';

const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

/** What `gitops bump` asked for: a new tag or digest, and maybe a new repository. */
export interface ImageWish {
  repo?: string;
  tag?: string;
  digest?: string;
}

export function parseWish(text: string): ImageWish {
  const s = text.trim();
  const bad = (why: string): never => {
    throw new InputError(`${s || '(empty)'} ${why}.`, {
      hint: 'Give a tag (master-484af0a), a reference (ghcr.io/team/app:1.2.3) or a digest (app@sha256:…).',
    });
  };
  if (/^[a-z0-9]+:[a-fA-F0-9]{32,}$/.test(s)) return { digest: s };
  if (!s.includes('/') && !s.includes(':') && !s.includes('@')) {
    if (!tagPattern.test(s)) bad('is not a valid image tag');
    return { tag: s };
  }
  const ref = parseImage(s);
  if (!ref.repo || /\s/.test(ref.repo)) bad('is not an image reference');
  if (ref.tag !== undefined && !tagPattern.test(ref.tag)) bad('has an invalid tag');
  if (ref.digest !== undefined && !digestPattern.test(ref.digest)) bad('has an invalid digest');
  if (ref.tag === undefined && ref.digest === undefined) bad('names no tag or digest');
  return ref;
}

/** The reference after a wish: a new tag drops the old digest (it would pin the old build). */
export function applyWish(current: ImageRef, wish: ImageWish): ImageRef {
  const repo = wish.repo ?? current.repo;
  if (wish.tag !== undefined || wish.digest !== undefined)
    return { repo, ...(wish.tag ? { tag: wish.tag } : {}), ...(wish.digest ? { digest: wish.digest } : {}) };
  return { ...current, repo };
}
