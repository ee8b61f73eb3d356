/**
 * Links into Git hosts' web UIs, made only where the host's URL scheme is known. Argo CD accepts
 * repository URLs as https (with a port, on an IP), `ssh://`, scp-like `git@host:org/repo` and
 * with or without `.git` (argo-cd util/git/git.go IsSSHURL, NormalizeGitURL); its own UI links only
 * github*, gitlab.com and bitbucket.org (ui/src/app/shared/components/urls.ts). deckhand knows
 * those, Codeberg, and any host configured as GitHub, GitLab, Bitbucket or Gitea/Forgejo; Helm
 * and OCI registries and unknown hosts get no link, and a revision becomes a commit link only when
 * it is a commit sha.
 */
import { isCommitSha } from './sources.ts';

export type GitWebKind = 'github' | 'gitlab' | 'bitbucket' | 'gitea';

export interface GitWebHost {
  /** Host name as it appears in repository URLs, with `:port` when the port matters. */
  host: string;
  kind: GitWebKind;
  /** The web UI's base URL when it differs from `https://<host>` (a different port or path). */
  url?: string;
}

const WELL_KNOWN: GitWebHost[] = [
  { host: 'github.com', kind: 'github' },
  { host: 'gitlab.com', kind: 'gitlab' },
  { host: 'bitbucket.org', kind: 'bitbucket' },
  { host: 'codeberg.org', kind: 'gitea' },
];

export interface ParsedRepoUrl {
  scheme: 'https' | 'http' | 'ssh' | 'git';
  host: string;
  port?: string;
  /** `org/repo` (or deeper for GitLab groups), without `.git`. */
  path: string;
}

/** Read a repository URL in any form Argo CD accepts; undefined for what is not a Git URL. */
export function parseRepoUrl(repoURL: string): ParsedRepoUrl | undefined {
  const u = repoURL.trim();
  const clean = (p: string) =>
    p
      .replace(/^\/+/, '')
      .replace(/\/+$/, '')
      .replace(/\.git$/, '');
  // scp-like: [user@]host:path, with no scheme (a colon before any slash).
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)([^\s]+)$/.exec(u);
  if (scp && !/^[a-z]+:\/\//i.test(u)) {
    const path = clean(scp[2] as string);
    return path ? { scheme: 'ssh', host: (scp[1] as string).toLowerCase(), path } : undefined;
  }
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'git') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    decoded = url.pathname; // a malformed %-escape: keep the path as written
  }
  const path = clean(decoded);
  if (!path || !url.hostname) return undefined;
  return { scheme, host: url.hostname.toLowerCase(), ...(url.port ? { port: url.port } : {}), path };
}

export class GitLinks {
  private readonly hosts = new Map<string, GitWebHost>();

  constructor(hosts: GitWebHost[] = []) {
    for (const h of [...WELL_KNOWN, ...hosts]) this.add(h);
  }

  /** Teach a host (from config, or a Git host the gitops plugin writes to). */
  add(h: GitWebHost): void {
    this.hosts.set(h.host.toLowerCase(), h);
  }

  /** The repository's web address and its host's kind, when the host is known. */
  repo(repoURL: string | undefined): { kind: GitWebKind; base: string } | undefined {
    const p = repoURL ? parseRepoUrl(repoURL) : undefined;
    if (!p) return undefined;
    const h = (p.port && this.hosts.get(`${p.host}:${p.port}`)) || this.hosts.get(p.host);
    if (!h) return undefined;
    const web = h.url?.replace(/\/+$/, '');
    // ssh and git:// ports are not the web UI's; http(s) ports are.
    const origin =
      p.scheme === 'http' || p.scheme === 'https'
        ? `${p.scheme}://${p.host}${p.port ? `:${p.port}` : ''}`
        : `https://${p.host}`;
    return { kind: h.kind, base: `${web ?? origin}/${p.path}` };
  }

  commit(repoURL: string | undefined, revision: string | undefined): string | undefined {
    if (!isCommitSha(revision)) return undefined;
    const r = this.repo(repoURL);
    if (!r) return undefined;
    switch (r.kind) {
      case 'gitlab':
        return `${r.base}/-/commit/${revision}`;
      case 'bitbucket':
        return `${r.base}/commits/${revision}`;
      default:
        return `${r.base}/commit/${revision}`;
    }
  }

  /**
   * A directory at a revision. A commit sha is exact on every host; a branch or tag is linked
   * where the host's scheme does not need to know which it is; otherwise the repository itself.
   */
  tree(repoURL: string | undefined, revision: string | undefined, path?: string): string | undefined {
    const r = this.repo(repoURL);
    if (!r) return undefined;
    const sub = path && path !== '.' ? `/${path.replace(/^\.?\/+/, '').replace(/\/+$/, '')}` : '';
    const rev = revision && revision !== 'HEAD' ? revision : undefined;
    const sha = isCommitSha(rev);
    switch (r.kind) {
      case 'github':
        return `${r.base}/tree/${rev ?? 'HEAD'}${sub}`;
      case 'gitlab':
        return rev ? `${r.base}/-/tree/${rev}${sub}` : r.base;
      case 'bitbucket':
        return rev ? `${r.base}/src/${rev}${sub}` : r.base;
      case 'gitea':
        return rev ? `${r.base}/src/${sha ? 'commit' : 'branch'}/${rev}${sub}` : r.base;
    }
  }
}
