/** Browsable links for Git sources: `git@github.com:o/r.git` → `https://github.com/o/r`. */
export function repoWebUrl(repoURL: string): string | undefined {
  let u = repoURL.trim();
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(u);
  if (scp) u = `https://${scp[1]}/${scp[2]}`;
  u = u
    .replace(/^ssh:\/\/[\w.-]+@/, 'https://')
    .replace(/\.git$/, '')
    .replace(/\/$/, '');
  return /^https?:\/\//.test(u) ? u : undefined;
}

/** A link to a path at a revision on GitHub-/GitLab-style hosts; the repo link elsewhere. */
export function sourceWebUrl(repoURL: string, revision?: string, path?: string): string | undefined {
  const base = repoWebUrl(repoURL);
  if (!base) return undefined;
  if (!revision && !path) return base;
  const sep = /gitlab/.test(base) ? '/-/tree/' : '/tree/';
  return `${base}${sep}${revision ?? 'HEAD'}${path && path !== '.' ? `/${path.replace(/^\.?\//, '')}` : ''}`;
}

export function commitWebUrl(repoURL: string, sha: string): string | undefined {
  const base = repoWebUrl(repoURL);
  if (!base) return undefined;
  return `${base}${/gitlab/.test(base) ? '/-/commit/' : '/commit/'}${sha}`;
}
