/**
 * Container image references (`registry:5000/team/app:tag@sha256:…`), read the way container
 * runtimes read them: a colon after the last slash starts the tag, one before it is a port.
 */
export interface ImageRef {
  /** Everything before the tag and digest: registry, port and path. */
  repo: string;
  tag?: string;
  digest?: string;
}

export function parseImage(text: string): ImageRef {
  let rest = text.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
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

/**
 * The repository as Docker Hub's implicit defaults spell it out (`nginx` is
 * `docker.io/library/nginx`), so two spellings of one image compare equal.
 */
export function canonicalRepo(repo: string): string {
  const first = repo.split('/')[0] ?? '';
  const hasRegistry =
    repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return repo.replace(/^index\.docker\.io\//, 'docker.io/');
  return repo.includes('/') ? `docker.io/${repo}` : `docker.io/library/${repo}`;
}
