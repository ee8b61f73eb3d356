/**
 * Container image references (`registry:5000/team/app:tag@sha256:…`) and what a person may give
 * for a bump: a bare tag, a full reference with a tag, or a digest.
 */
import { InputError } from '../../../core/errors.ts';

export interface ImageRef {
  /** Everything before the tag and digest: registry, port and path. */
  repo: string;
  tag?: string;
  digest?: string;
}

const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;

export function parseImage(text: string): ImageRef {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A colon after the last slash starts the tag; one before it belongs to a registry port.
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/'))
    return { repo: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repo: rest, ...(digest ? { digest } : {}) };
}

export function formatImage(r: ImageRef): string {
  return `${r.repo}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The last path segment: what a person calls the image (`naver-news-spring`). */
export const shortName = (repo: string): string => repo.slice(repo.lastIndexOf('/') + 1);

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
