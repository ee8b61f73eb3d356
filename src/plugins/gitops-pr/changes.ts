/**
 * Proposing a change: from an application and an intent to a pull request on the Git host of the
 * app's source, with one commit holding every edited file. The branch name is derived from the app
 * and the intent, so asking twice for the same change finds the pull request already open.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../../core/access.ts';
import type { Clock } from '../../core/clock.ts';
import { ConflictError, InputError } from '../../core/errors.ts';
import type { Conversation } from '../../core/message/model.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { unifiedDiff } from '../../core/text/diff.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { GitOpsConfig } from './config.ts';
import { hostFor } from './hosts/registry.ts';
import type { FileTree, GitHost, PullRequest } from './hosts/types.ts';
import { describeIntent, type ChangeIntent, type Intent } from './intents.ts';

/** What the manifest planner returns: the edited files and a line per change. */
export interface Plan {
  changes: { path: string; before: string; after: string }[];
  summary: string[];
}

export type Planner = (r: ResolvedApp, files: FileTree, intent: ChangeIntent) => Promise<Plan>;

export interface Change {
  id: string;
  app: string;
  instance: string;
  project: string;
  repoURL: string;
  base: string;
  intent: Intent;
  title: string;
  branch: string;
  pr: { number: number; url: string };
  headSha: string;
  requester: string;
  reason?: string;
  conversation: Conversation;
  createdAt: number;
  summary: string[];
  diff: string;
  state: 'open' | 'merged' | 'closed';
  mergeSha?: string;
  mergedBy?: string;
  /** The rule that proposed it, when a remediation rule did. */
  rule?: string;
  approvalId?: string;
}

/** The change would change nothing: the files already say so. */
export class NoChangeError extends ConflictError {}

const shortHash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 7);

export function branchName(intent: Intent, app: string): string {
  // Restarts differ only by their timestamp; that must not defeat "asked twice, one PR".
  const key = intent.kind === 'restart' ? { kind: 'restart' } : intent;
  return `deckhand/${intent.kind}/${app}-${shortHash(JSON.stringify(key))}`;
}

/** The branch the app tracks: its targetRevision, or the repository's default for HEAD. */
export function trackedBranch(r: ResolvedApp): {
  repoURL: string;
  branch: string | undefined;
  path?: string;
} {
  const src = r.app.spec.source ?? r.app.spec.sources?.find((s) => !s.chart);
  if (!src) throw new InputError(`${r.ref} has no source to change.`);
  if (src.chart) {
    throw new InputError(
      `${r.ref} installs the Helm chart ${src.chart} from ${src.repoURL}, a chart repository, not Git: there is no file deckhand could change.`,
      {
        hint: 'Manage the chart version and values through an Application whose source is a Git repository.',
      },
    );
  }
  const rev = src.targetRevision;
  if (rev && /^[0-9a-f]{40}$/.test(rev)) {
    throw new InputError(
      `${r.ref} is pinned to commit ${rev.slice(0, 7)}; a change in a branch would not reach it.`,
    );
  }
  return { repoURL: src.repoURL, branch: !rev || rev === 'HEAD' ? undefined : rev, path: src.path };
}

export class ChangeService {
  readonly hosts: GitHost[];
  private readonly docs: Collection<Change>;
  private readonly plan: Planner;
  private readonly cfg: GitOpsConfig;
  private readonly clock: Clock;

  constructor(deps: { hosts: GitHost[]; store: Store; plan: Planner; config: GitOpsConfig; clock: Clock }) {
    this.hosts = deps.hosts;
    this.docs = deps.store.collection<Change>('changes');
    this.plan = deps.plan;
    this.cfg = deps.config;
    this.clock = deps.clock;
  }

  host(repoURL: string): GitHost {
    return hostFor(this.hosts, repoURL);
  }

  get(id: string): Promise<Change | undefined> {
    return this.docs.get(id);
  }

  save(c: Change): Promise<void> {
    return this.docs.put(c.id, c);
  }

  update(id: string, fn: (c: Change) => Change): Promise<Change | undefined> {
    return this.docs.update(id, (c) => (c ? fn(c) : c));
  }

  async list(filter: (c: Change) => boolean = () => true): Promise<Change[]> {
    return (await this.docs.list())
      .map((d) => d.value)
      .filter(filter)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /** The default branch when the app tracks HEAD (GitHub and GitLab both report it; main/master fallback). */
  private async baseBranch(
    host: GitHost,
    repoURL: string,
    branch: string | undefined,
  ): Promise<{ name: string; sha: string }> {
    if (branch) return { name: branch, sha: await host.branchHead(repoURL, branch) };
    for (const candidate of ['main', 'master']) {
      try {
        return { name: candidate, sha: await host.branchHead(repoURL, candidate) };
      } catch {
        // try the next conventional name
      }
    }
    throw new InputError(
      `Cannot tell which branch ${repoURL} tracks (HEAD, and neither main nor master exists).`,
    );
  }

  /**
   * Open (or find) the pull request for an intent. Returns `existing: true` when the same change
   * is already open; throws NoChangeError when Git already says what was asked.
   */
  async propose(opts: {
    r: ResolvedApp;
    intent: Intent;
    actor: Actor;
    conversation: Conversation;
    reason?: string;
    rule?: string;
  }): Promise<{ change: Change; existing: boolean }> {
    const { r, intent, actor } = opts;
    const { repoURL, branch } = trackedBranch(r);
    const host = this.host(repoURL);
    const base = await this.baseBranch(host, repoURL, branch);
    const name = r.app.metadata.name;
    const head = branchName(intent, name);
    const already = await host.findOpenPullRequest(repoURL, head);
    if (already) {
      const known = (await this.list((c) => c.repoURL === repoURL && c.pr.number === already.number))[0];
      if (known) return { change: known, existing: true };
    }
    let summary: string[];
    let diff: string;
    let commitSha: string;
    const title = `${name}: ${describeIntent(intent)}`;
    if (intent.kind === 'revert') {
      const target = await this.revertTarget(host, repoURL, intent, r);
      const info = await host.commit(repoURL, target);
      const res = await host.revertCommit(repoURL, {
        sha: target,
        base: base.name,
        branch: head,
        message: `Revert "${info.message.split('\n')[0]}"\n\nThis reverts commit ${target}.\nAsked by ${actor.id} through deckhand.`,
      });
      commitSha = res.sha;
      summary = [
        `revert ${target.slice(0, 7)} "${info.message.split('\n')[0]}" (${info.author.replace(/\s*<[^>]*>/, '')})`,
      ];
      diff = '';
    } else {
      const files = await host.tree(repoURL, base.sha);
      const plan = await this.plan(r, files, intent);
      if (plan.changes.length === 0)
        throw new NoChangeError(plan.summary[0] ?? `${name} already is as asked; nothing to change.`);
      summary = plan.summary;
      diff = plan.changes
        .map((c) => unifiedDiff(c.before, c.after, { from: `a/${c.path}`, to: `b/${c.path}` }))
        .join('\n');
      const res = await host.commitFiles(repoURL, {
        branch: head,
        baseSha: base.sha,
        message: `${title}\n\n${summary.map((s) => `- ${s}`).join('\n')}\n\nAsked by ${actor.id} through deckhand.`,
        changes: plan.changes.map((c) => ({ path: c.path, content: c.after })),
        author: this.cfg.author,
      });
      commitSha = res.sha;
    }
    let pr: PullRequest;
    if (already) pr = already;
    else {
      pr = await host.openPullRequest(repoURL, {
        head,
        base: base.name,
        title,
        body: this.body({
          r,
          actor,
          summary,
          reason: opts.reason,
          conversation: opts.conversation,
          rule: opts.rule,
        }),
        labels: [...this.cfg.labels, `deckhand/${intent.kind}`],
      });
    }
    const change: Change = {
      id: `ch_${name}_${pr.number}_${shortHash(repoURL)}`,
      app: name,
      instance: r.instance,
      project: r.app.spec.project,
      repoURL,
      base: base.name,
      intent,
      title,
      branch: head,
      pr: { number: pr.number, url: pr.url },
      headSha: pr.headSha === commitSha || !pr.headSha ? commitSha : pr.headSha,
      requester: actor.id,
      reason: opts.reason,
      conversation: opts.conversation,
      createdAt: this.clock.now(),
      summary,
      diff,
      state: 'open',
      rule: opts.rule,
    };
    await this.save(change);
    return { change, existing: false };
  }

  private async revertTarget(
    host: GitHost,
    repoURL: string,
    intent: Extract<Intent, { kind: 'revert' }>,
    r: ResolvedApp,
  ): Promise<string> {
    if (intent.commit) return intent.commit;
    if (intent.pullRequest) {
      const pr = await host.getPullRequest(repoURL, intent.pullRequest);
      if (pr.state !== 'merged' || !pr.mergeSha)
        throw new InputError(
          `Pull request #${intent.pullRequest} is not merged; there is nothing to revert.`,
        );
      return pr.mergeSha;
    }
    // The last deployed revision: what the app runs now, undone.
    const rev = r.app.status?.sync?.revision;
    if (!rev) throw new InputError(`${r.ref} has no deployed revision to revert.`);
    return rev;
  }

  private body(o: {
    r: ResolvedApp;
    actor: Actor;
    summary: string[];
    reason?: string;
    conversation: Conversation;
    rule?: string;
  }): string {
    const where = `${o.conversation.platform} ${o.conversation.channel}${o.conversation.thread ? ` (thread ${o.conversation.thread})` : ''}`;
    return [
      `Proposed by deckhand for **${o.r.app.metadata.name}** (Argo CD ${o.r.instance}, project ${o.r.app.spec.project}).`,
      '',
      ...o.summary.map((s) => `- ${s}`),
      '',
      o.rule
        ? `Opened by the remediation rule \`${o.rule}\`.`
        : `Asked by **${o.actor.name}** (${o.actor.id}) in ${where}.`,
      ...(o.reason ? ['', `Reason: ${o.reason}`] : []),
      '',
      `Argo CD: ${o.r.client.appUrl(o.r.locator)}`,
      'Approve or reject it in chat; deckhand merges it and follows the sync.',
    ].join('\n');
  }
}
