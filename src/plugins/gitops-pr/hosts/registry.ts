/** The configured Git hosts, and which one serves a repository URL. */
import { DeckError, InputError, NotFoundError } from '../../../core/errors.ts';
import type { HostConfig } from '../config.ts';
import { GitHubHost } from './github.ts';
import { GitLabHost } from './gitlab.ts';
import { parseRepoUrl } from './repo-url.ts';
import type { CommitInfo, GitHost } from './types.ts';

export class NoGitHost extends DeckError {
  constructor(repoURL: string) {
    const host = parseRepoUrl(repoURL)?.host ?? repoURL;
    super('DECK_NO_GIT_HOST', `deckhand has no access to ${host}, where ${repoURL} lives.`, {
      hint: `Add a host with a token under plugins.gitops.hosts (type github or gitlab, host ${host}).`,
    });
  }
}

export function createHosts(cfg: HostConfig[]): GitHost[] {
  return cfg.map((h, i) =>
    h.type === 'github'
      ? new GitHubHost({
          name: h.name ?? h.host,
          host: h.host,
          apiUrl: h.apiUrl,
          ...(h.token ? { token: h.token } : {}),
          ...(h.app ? { app: h.app } : {}),
          timeoutMs: h.timeoutMs,
          credential: h.app
            ? `the GitHub App of plugins.gitops.hosts[${i}]`
            : `plugins.gitops.hosts[${i}].token`,
        })
      : new GitLabHost({
          name: h.name ?? h.host,
          host: h.host,
          apiUrl: h.apiUrl ?? `https://${h.host}`,
          token: h.token,
          timeoutMs: h.timeoutMs,
          credential: `plugins.gitops.hosts[${i}].token`,
        }),
  );
}

export function hostFor(hosts: GitHost[], repoURL: string): GitHost {
  const h = hosts.find((x) => x.serves(repoURL));
  if (!h) throw new NoGitHost(repoURL);
  return h;
}

/**
 * A commit of any repository a host serves (the source repository an image was built from, say).
 * InputError when it cannot be known there: no host serves it, or it has no such commit.
 */
export async function commitIn(
  hosts: GitHost[],
  repoURL: string,
  sha: string,
  signal?: AbortSignal,
): Promise<CommitInfo> {
  const host = hosts.find((x) => x.serves(repoURL));
  if (!host) throw new InputError(new NoGitHost(repoURL).message);
  return (signal ? host.withSignal(signal) : host).commit(repoURL, sha).catch((err: unknown) => {
    if (err instanceof NotFoundError) throw new InputError(`${repoURL} has no commit ${sha.slice(0, 7)}.`);
    throw err;
  });
}
