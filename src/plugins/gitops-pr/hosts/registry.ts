/** The configured Git hosts, and which one serves a repository URL. */
import { DeckError } from '../../../core/errors.ts';
import type { HostConfig } from '../config.ts';
import { GitHubHost } from './github.ts';
import { GitLabHost } from './gitlab.ts';
import { parseRepoUrl } from './repo-url.ts';
import type { GitHost } from './types.ts';

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
          token: h.token,
          timeoutMs: h.timeoutMs,
          credential: `plugins.gitops.hosts[${i}].token`,
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
