/** Git remote URLs in their usual spellings, reduced to host and path. */
export interface RepoPath {
  host: string;
  /** `owner/name` on GitHub, `group/subgroup/project` on GitLab. */
  path: string;
}

export function parseRepoUrl(url: string): RepoPath | undefined {
  const u = url.trim();
  const scp = /^[\w.-]+@([\w.-]+):(.+?)(\.git)?\/?$/.exec(u);
  if (scp) return { host: (scp[1] as string).toLowerCase(), path: scp[2] as string };
  try {
    const p = new URL(u);
    const path = p.pathname
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
    if (!path.includes('/')) return undefined;
    return { host: p.hostname.toLowerCase(), path };
  } catch {
    return undefined;
  }
}

/** One repository however its URL is spelt (scheme, `.git`, case): `host/path`, lower case. */
export const repoKey = (url: string): string => {
  const p = parseRepoUrl(url);
  return p ? `${p.host}/${p.path}`.toLowerCase() : url.toLowerCase();
};
