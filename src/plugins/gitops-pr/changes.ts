/**
 * Proposing a change: from an application and an intent to a pull request on the Git host of the
 * app's source, with one commit holding every edited file. The branch name is derived from the app
 * and the intent, so asking twice for the same change finds the pull request already open.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../../core/access.ts';
import type { Clock } from '../../core/clock.ts';
import { ConflictError, InputError, NotFoundError, UpstreamError } from '../../core/errors.ts';
import type { Conversation } from '../../core/message/model.ts';
import { Redactor } from '../../core/redact.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { unifiedDiff } from '../../core/text/diff.ts';
import type { ResolvedApp } from '../argocd/index.ts';
import type { GitOpsConfig } from './config.ts';
import { commitIn, hostFor } from './hosts/registry.ts';
import type { CommitInfo, FileTree, GitHost, PullRequest } from './hosts/types.ts';
import { BranchInUseError, RevertConflictError } from './hosts/errors.ts';
import { appPaths, watchedPaths, within, type AppPaths } from './edit/app-paths.ts';
import {
  applicationTarget,
  awaitedImage,
  pinBeside,
  planOnApplicationManifest,
  type ApplicationTarget,
} from './application-change.ts';
import { placeApp } from './environments.ts';
import { parseImage } from '../../core/image-ref.ts';
import { tagAt } from './edit/image-at.ts';
import { gitSourceOf, trackedBranch } from './tracked-branch.ts';
import { checkNoCredential } from './guard/credentials.ts';
import { checkScope } from './guard/scope.ts';
import { checkWording } from './guard/wording.ts';
import { describeIntent, type ChangeIntent, type Intent } from './intents.ts';

/** What the manifest planner returns: the edited files and a line per change. */
export interface Plan {
  /** `after: null` deletes the file. */
  changes: { path: string; before: string; after: string | null }[];
  summary: string[];
  /** Someone else's words the summary repeats as they are (a reverted commit's subject, its author). */
  quoted?: string[];
}

/** A plan with where it applies: ready to commit or to show. */
export interface PlannedChange {
  repoURL: string;
  host: GitHost;
  base: { name: string; sha: string };
  plan: Plan;
  paths: AppPaths;
}

const diffOf = (plan: Plan): string =>
  plan.changes
    .map((c) =>
      unifiedDiff(c.before, c.after ?? '', {
        from: `a/${c.path}`,
        to: c.after === null ? '/dev/null' : `b/${c.path}`,
      }),
    )
    .join('\n');

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
  /** When deckhand began merging it without an approval (auto-merge, remediation): the host's
   * word of that merge is deckhand's own doing. */
  selfMerge?: number;
  /** The rule that proposed it, when a remediation rule did. */
  rule?: string;
  approvalId?: string;
  /** The image the app runs once the change is live, when its own revision cannot tell (FollowUp.image). */
  awaitImage?: string;
  /** With awaitImage: the image it ran before, which a way back sets again (the change is in another repository). */
  previousImage?: string;
  /** The paths the change edits, when this process opened it (not for one found open). */
  files?: string[];
  /** The app's environment (plugins.gitops.environments), which approval policies may name. */
  environment?: string;
  /**
   * When its merge was recorded with its notice beyond chat still to be queued (set in the same
   * write as the merge, cleared once queued): a serving bot queues what a process that died in
   * between could not, so the merge is told at least once.
   */
  mergeNoticeDue?: number;
}

/** What a proposal knows of its pull request when it records it (the rest comes from its request). */
type OpenedFields = Pick<
  Change,
  | 'repoURL'
  | 'base'
  | 'title'
  | 'branch'
  | 'headSha'
  | 'summary'
  | 'diff'
  | 'awaitImage'
  | 'previousImage'
  | 'files'
>;

/** The change would change nothing: the files already say so. */
export class NoChangeError extends ConflictError {}

/** How long a proposal's claim on its branch lives if its process dies mid-way (see propose). */
const PROPOSING_TTL_MS = 2 * 60_000;

const shortHash = (s: string) => createHash('sha1').update(s).digest('hex').slice(0, 7);

/** One id per pull request: two proposers of the same change write the same record. */
const changeId = (app: string, pr: number, repoURL: string) => `ch_${app}_${pr}_${shortHash(repoURL)}`;

export { trackedBranch } from './tracked-branch.ts';

export function branchName(intent: Intent, app: string): string {
  // Restarts differ only by their timestamp; that must not defeat "asked twice, one PR".
  const key = intent.kind === 'restart' ? { kind: 'restart' } : intent;
  return `deckhand/${intent.kind}/${app}-${shortHash(JSON.stringify(key))}`;
}

export class ChangeService {
  readonly hosts: GitHost[];
  private readonly docs: Collection<Change>;
  /** Proposals between their first Git write and their record (see propose). */
  private readonly proposing: Collection<{ by: string; at: number; id: string }>;
  private readonly plan: Planner;
  private readonly cfg: GitOpsConfig;
  private readonly clock: Clock;
  private readonly redactor: Redactor;
  private readonly mergedListeners = new Set<(c: Change) => void>();

  constructor(deps: {
    hosts: GitHost[];
    store: Store;
    plan: Planner;
    config: GitOpsConfig;
    clock: Clock;
    /** Knows the configured secrets; without it, only self-identifying tokens are refused. */
    redactor?: Redactor;
  }) {
    this.hosts = deps.hosts;
    this.docs = deps.store.collection<Change>('changes');
    this.proposing = deps.store.collection('proposing');
    this.plan = deps.plan;
    this.cfg = deps.config;
    this.clock = deps.clock;
    this.redactor = deps.redactor ?? new Redactor();
  }

  /** The host of a repository; with a signal, one whose requests stop when it fires. */
  host(repoURL: string, signal?: AbortSignal): GitHost {
    const host = hostFor(this.hosts, repoURL);
    return signal ? host.withSignal(signal) : host;
  }

  /** A commit of any repository a configured host serves; InputError when it cannot be known. */
  commitOf(repoURL: string, sha: string, signal?: AbortSignal): Promise<CommitInfo> {
    return commitIn(this.hosts, repoURL, sha, signal);
  }

  get(id: string): Promise<Change | undefined> {
    return this.docs.get(id);
  }

  save(c: Change): Promise<void> {
    return this.docs.put(c.id, c);
  }

  /**
   * Change a record. The update that marks a change merged, however it was merged (approved in
   * chat, automatically, or by a person on the host), tells the onMerged listeners once: only the
   * writer whose update was stored sees the transition, so two replicas do not both tell it.
   */
  async update(id: string, fn: (c: Change) => Change): Promise<Change | undefined> {
    let before: Change['state'] | undefined;
    const after = await this.docs.update(id, (c) => {
      before = c?.state;
      if (!c) return c;
      const next = fn(c);
      // The merge and its notice being due are one write: no death in between can lose the notice.
      return this.mergedListeners.size && next.state === 'merged' && c.state !== 'merged'
        ? { ...next, mergeNoticeDue: this.clock.now() }
        : next;
    });
    if (after?.state === 'merged' && before !== 'merged')
      for (const listen of this.mergedListeners) {
        try {
          listen(after);
        } catch {
          // A listener's failure is its own (they queue work and log); the update stands.
        }
      }
    return after;
  }

  /** The merge's notice is queued: it is no longer due. */
  async mergeNoticed(id: string): Promise<void> {
    await this.docs.update(id, (c) =>
      c?.mergeNoticeDue !== undefined ? { ...c, mergeNoticeDue: undefined } : c,
    );
  }

  /**
   * Merges whose notice has been due since before `dueBefore` (the process that recorded them
   * died before queuing it, or could not queue it), each claimed until `dueBefore` comes round
   * again: of two replicas sweeping at once, one takes each.
   */
  async claimDueMergeNotices(dueBefore: number): Promise<Change[]> {
    const due = await this.list((c) => c.mergeNoticeDue !== undefined && c.mergeNoticeDue < dueBefore);
    const mine: Change[] = [];
    for (const c of due) {
      let claimed = false;
      const now = this.clock.now();
      const after = await this.docs.update(c.id, (x) =>
        x?.mergeNoticeDue !== undefined && x.mergeNoticeDue < dueBefore
          ? ((claimed = true), { ...x, mergeNoticeDue: now })
          : x,
      );
      if (claimed && after) mine.push(after);
    }
    return mine;
  }

  /** Be told of every change as it becomes merged; returns the unsubscribe function. */
  onMerged(fn: (c: Change) => void): () => void {
    this.mergedListeners.add(fn);
    return () => this.mergedListeners.delete(fn);
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
      } catch (err) {
        // Only "no such branch" means try the next name: a refused token or a host that does not
        // answer is the real cause, and saying "neither main nor master exists" would hide it.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    throw new InputError(
      `Cannot tell which branch ${repoURL} tracks (HEAD, and ${host.name} has neither main nor master there).`,
      { hint: 'If the repository has them, the token may not see it: check its access to the repository.' },
    );
  }

  /**
   * The edits an intent makes, planned against the head of the branch the app tracks and checked
   * to stay inside the app's own files (appPaths; a `--path` the person named counts as the app's)
   * and, but for reverts and restores (they put back what was), to change only what the intent
   * names (guard/scope.ts). A revert takes back only what the commit changed in those files.
   */
  async planned(
    r: ResolvedApp,
    intent: Intent,
    signal?: AbortSignal,
    /** Who asks and why, for what a change records beside it (an Image Updater pin). */
    asked?: { by: string; reason?: string },
    /** The Application's manifest as the place of the change, when the caller found it already. */
    target?: ApplicationTarget | null,
  ): Promise<PlannedChange> {
    const onApplication = target === undefined ? await applicationTarget(r, intent, signal) : target;
    if (onApplication) return this.plannedOnApplication(r, intent, onApplication, signal, asked);
    const { repoURL, branch } = trackedBranch(r);
    const host = this.host(repoURL, signal);
    const base = await this.baseBranch(host, repoURL, branch);
    const files = await host.tree(repoURL, base.sha);
    let paths: AppPaths;
    let plan: Plan;
    const named = intent.kind !== 'revert' && intent.path ? [intent.path] : [];
    if (intent.kind === 'revert' && intent.toRevision && !intent.commit && !intent.pullRequest) {
      let then: FileTree;
      ({ paths, plan, then } = await this.restorePlan(host, repoURL, r, intent.toRevision, base.sha));
      // Image Updater would write its newer build back over the restored one: pin what comes back.
      const pinned = await this.pinRestored(r, then, paths, { repoURL, branch, files }, asked, signal);
      if (pinned) {
        plan = {
          ...plan,
          changes: [...plan.changes, ...pinned.changes],
          summary: [...plan.summary, ...pinned.summary],
        };
        named.push(...pinned.changes.map((c) => c.path));
      }
    } else if (intent.kind === 'revert') {
      const sha = await this.revertTarget(host, repoURL, intent, r, signal);
      // The app's files before the commit (it may have removed or broken them) and at the head.
      const parent = (await host.commit(repoURL, sha)).parents[0];
      const at = async (ref: string | undefined) =>
        ref ? appPaths(r, await host.tree(repoURL, ref)).catch(() => undefined) : undefined;
      const found = (await Promise.all([at(parent), at(base.sha)])).filter((p): p is AppPaths => !!p);
      if (!found.length)
        throw new InputError(`deckhand cannot tell which files are ${r.ref}'s in ${repoURL}.`);
      paths = {
        dirs: [...new Set(found.flatMap((p) => p.dirs))],
        files: [...new Set(found.flatMap((p) => p.files))],
      };
      plan = await this.revertPlan(host, repoURL, r, sha, paths, base.sha);
    } else {
      paths = await appPaths(r, files);
      plan = await this.plan(r, files, intent);
    }
    if (intent.kind === 'image') {
      const pinned = await pinBeside(r, intent, { repoURL, branch, files }, asked, this.clock.now(), signal);
      if (pinned) {
        plan = {
          changes: [...plan.changes, ...pinned.changes],
          summary: [...plan.summary, ...pinned.summary],
        };
        named.push(...pinned.changes.map((c) => c.path));
      }
    }
    const outside = plan.changes.map((c) => c.path).filter((p) => !within(paths, p) && !named.includes(p));
    if (outside.length)
      throw new InputError(
        `This change would edit ${outside.join(', ')}, outside ${r.ref}'s own files (${watchedPaths(paths).join(', ') || '/'}); deckhand does not open it.`,
        { hint: 'If that file really is this app’s, name it with --path.' },
      );
    if (plan.changes.length === 0)
      throw new NoChangeError(plan.summary[0] ?? `${r.ref} already is as asked; nothing to change.`);
    if (intent.kind !== 'revert') checkScope(intent, plan, r.ref);
    checkNoCredential(plan, this.redactor);
    return { repoURL, host, base, plan, paths };
  }

  private async plannedOnApplication(
    r: ResolvedApp,
    intent: Intent,
    t: ApplicationTarget,
    signal?: AbortSignal,
    asked?: { by: string; reason?: string },
  ): Promise<PlannedChange> {
    const host = this.host(t.repoURL, signal);
    const base = await this.baseBranch(host, t.repoURL, t.branch);
    const files = await host.tree(t.repoURL, base.sha);
    const made = await planOnApplicationManifest(r, intent, t, files, asked, this.clock.now());
    const { plan, path } = made;
    if (made.intent.kind !== 'revert') checkScope(made.intent, plan, r.ref);
    checkNoCredential(plan, this.redactor);
    return { repoURL: t.repoURL, host, base, plan, paths: { dirs: [], files: [path] } };
  }

  /** What a change would do, without opening anything: for cards that offer it. */
  async preview(
    r: ResolvedApp,
    intent: Intent,
    signal?: AbortSignal,
  ): Promise<{ summary: string[]; diff: string; files: string[] }> {
    const { plan } = await this.planned(r, intent, signal);
    return { summary: plan.summary, diff: diffOf(plan), files: plan.changes.map((c) => c.path) };
  }

  /**
   * The newest commit on the app's own files in a window of revisions: reachable from `upTo`, not
   * from `after`, committed no later than `before`. The change a revert should take back; none
   * when no commit in the window touched the app.
   */
  async breakingCommit(
    r: ResolvedApp,
    window: { upTo: string; after?: string; before?: string },
    signal?: AbortSignal,
  ): Promise<CommitInfo | undefined> {
    return (await this.commitsInWindow(r, window, signal))[0];
  }

  /**
   * The commits on the app's own files in a window of revisions, newest first: reachable from
   * `upTo`, not from `after`, committed no later than `before` (at most 50 per watched path).
   */
  async commitsInWindow(
    r: ResolvedApp,
    window: { upTo: string; after?: string; before?: string },
    signal?: AbortSignal,
  ): Promise<CommitInfo[]> {
    // Read-only: an app pinned to a commit has a history of commits too.
    const repoURL = gitSourceOf(r.app)?.repoURL ?? trackedBranch(r).repoURL;
    const host = this.host(repoURL, signal);
    // The app's files as they were when it worked: at `upTo` they may be gone or unreadable (the
    // very change that broke it).
    const paths = await appPaths(r, await host.tree(repoURL, window.after ?? window.upTo));
    const touching = async (ref: string) =>
      (
        await Promise.all(
          watchedPaths(paths).map((path) => host.commitsTouching(repoURL, { ref, path, limit: 50 })),
        )
      ).flat();
    const [inWindow, before] = await Promise.all([
      touching(window.upTo),
      window.after ? touching(window.after) : Promise.resolve([]),
    ]);
    const old = new Set(before.map((c) => c.sha));
    const limit = window.before ? Date.parse(window.before) : Infinity;
    const unique = new Map(inWindow.map((c) => [c.sha, c]));
    return [...unique.values()]
      .filter((c) => !old.has(c.sha) && !(Date.parse(c.date) > limit))
      .sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
  }

  /**
   * Open (or find) the pull request for an intent. Returns `existing: true` when the same change
   * is already open; throws NoChangeError when Git already says what was asked.
   *
   * All or nothing (issue 20): reads stop when `signal` fires, and no write starts after it; a
   * write that started is finished (the caller reports it late: `late`). A branch pushed for a
   * pull request that could not be opened is deleted again, and a branch an open proposal uses
   * is never pushed over — a second proposer of the same change finds the first one's.
   */
  async propose(opts: {
    r: ResolvedApp;
    intent: Intent;
    actor: Actor;
    conversation: Conversation;
    reason?: string;
    rule?: string;
    signal?: AbortSignal;
  }): Promise<{ change: Change; existing: boolean; late?: boolean }> {
    const { r, intent, actor, signal } = opts;
    // Found once: the branch is looked for, and the change planned, in the same repository.
    const target = (await applicationTarget(r, intent, signal)) ?? null;
    const repoURL = (target ?? trackedBranch(r)).repoURL;
    const reads = this.host(repoURL, signal);
    // Writes run to their own timeout: one cut off mid-way would leave half of it on the host.
    const writes = this.host(repoURL);
    const name = r.app.metadata.name;
    const head = branchName(intent, name);
    const already = await reads.findOpenPullRequest(repoURL, head);
    if (already) return this.adopt(opts, already, target, signal);
    const { base, plan } = await this.planned(
      r,
      intent,
      signal,
      { by: actor.id, reason: opts.reason },
      target,
    );
    const title = `${name}: ${describeIntent(intent)}`;
    const summary = plan.summary;
    const diff = diffOf(plan);
    // Git trailers (the last paragraph, `Key: value`): who asked, for `git log --format=%(trailers)`.
    const message = [title, summary.map((s) => `- ${s}`).join('\n'), `Requested-by: ${actor.id}`]
      .filter((part) => part !== '')
      .join('\n\n');
    const body = this.body({
      r,
      actor,
      summary,
      reason: opts.reason,
      conversation: opts.conversation,
      rule: opts.rule,
    });
    // The last look before anything is pushed: no leftover of a missing value in what Git keeps.
    checkWording({ title, body, message, branch: head }, [
      name,
      r.ref,
      r.instance,
      r.app.spec.project,
      actor.id,
      actor.name,
      opts.conversation.platform,
      opts.conversation.channel,
      ...(opts.conversation.thread ? [opts.conversation.thread] : []),
      ...(opts.reason ? [opts.reason.trim()] : []),
      ...(opts.rule ? [opts.rule] : []),
      ...(plan.quoted ?? []),
    ]);
    // Past the deadline nothing is written: the person was told it did not finish.
    signal?.throwIfAborted();
    // The change's record goes to the store once the pull request exists. A store that cannot
    // take a write now would leave a branch and a pull request nobody knows of: find out before
    // anything is pushed. The note is also a claim: of two proposers of this very change (two
    // people seconds apart, two replicas), the second waits for the first's pull request instead
    // of pushing over its branch (which would make the first card's Approve fail).
    const note = `${repoURL} ${head}`;
    const claim = { by: actor.id, at: this.clock.now(), id: randomUUID() };
    if (!(await this.proposing.insertIfAbsent(note, claim, { ttlMs: PROPOSING_TTL_MS }))) {
      const theirs = await this.awaitOpen(reads, repoURL, head, signal);
      if (theirs) return this.adopt(opts, theirs, target, signal);
      const other = await this.proposing.get(note).catch(() => undefined);
      throw new ConflictError(
        `${other?.by ?? 'Someone'} is proposing this very change right now and its pull request is not open yet; ask again in a minute.`,
      );
    }
    try {
      let res: { sha: string; branch: 'created' | 'kept' | 'moved' };
      try {
        res = await writes.commitFiles(repoURL, {
          branch: head,
          baseSha: base.sha,
          message,
          changes: plan.changes.map((c) => ({ path: c.path, content: c.after })),
          author: this.cfg.author,
        });
      } catch (err) {
        // Someone opened this very change meanwhile: theirs is the proposal.
        if (!(err instanceof BranchInUseError)) throw err;
        return await this.adopt(opts, await writes.getPullRequest(repoURL, err.pullRequest), target, signal);
      }
      let pr: PullRequest;
      try {
        if (signal?.aborted) throw signal.reason;
        pr = await writes.openPullRequest(repoURL, {
          head,
          base: base.name,
          title,
          body,
          labels: [...this.cfg.labels, `deckhand/${intent.kind}`],
        });
      } catch (err) {
        // The request may have opened it before failing (or another proposer did): look first.
        const found = await writes.findOpenPullRequest(repoURL, head).catch(() => undefined);
        if (found && found.headSha === res.sha) return await this.adopt(opts, found, target, signal);
        // A branch this run pushed and no pull request: take it back (one kept was someone else's).
        if (res.branch !== 'kept' && !found) await this.dropBranch(writes, repoURL, head);
        throw err;
      }
      return await this.record(opts, pr, {
        repoURL,
        files: plan.changes.map((c) => c.path),
        ...(target ? awaitedImage(r, intent, target) : {}),
        base: base.name,
        title,
        branch: head,
        headSha: pr.headSha || res.sha,
        summary,
        diff,
      });
    } finally {
      await this.proposing
        .update(note, (cur) => (cur?.id === claim.id ? undefined : cur))
        .catch(() => undefined);
    }
  }

  /** Poll for the pull request another proposer of this change is opening (20 s at most). */
  private async awaitOpen(
    reads: GitHost,
    repoURL: string,
    head: string,
    signal?: AbortSignal,
  ): Promise<PullRequest | undefined> {
    const until = Date.now() + 20_000;
    while (Date.now() < until && !signal?.aborted) {
      const pr = await reads.findOpenPullRequest(repoURL, head);
      if (pr) return pr;
      await new Promise((r) => setTimeout(r, 500));
    }
    return undefined;
  }

  /** The record of a pull request this proposal opened; a store failure here is said as it is. */
  private async record(
    opts: Parameters<ChangeService['propose']>[0],
    pr: PullRequest,
    fields: OpenedFields,
  ): Promise<{ change: Change; existing: boolean; late?: boolean }> {
    const change = this.changeOf(opts, pr, fields);
    const { stored, mine } = await this.saveOnce(change).catch((err: unknown) => {
      if (!(err instanceof UpstreamError && err.backend === 'store')) throw err;
      // The pull request exists: saying "nothing was done" would be false.
      throw new UpstreamError(
        'store',
        'unreachable',
        `Opened #${pr.number} (${pr.url}), but deckhand's database is unavailable, so it has no card yet (${err.message.replace(/\.$/, '')}).`,
        {
          hint: 'Ask for the same change again once the database is back: deckhand finds the pull request and posts its card.',
        },
      );
    });
    return { change: stored, existing: !mine, ...(opts.signal?.aborted ? { late: true } : {}) };
  }

  /** The record of an open pull request for this proposal (opened by it, or found). */
  private changeOf(opts: Parameters<ChangeService['propose']>[0], pr: PullRequest, o: OpenedFields): Change {
    const { r, intent, actor } = opts;
    const name = r.app.metadata.name;
    const environment = placeApp(this.cfg.environments, r.instance, r.app)?.env;
    return {
      id: changeId(name, pr.number, o.repoURL),
      app: name,
      instance: r.instance,
      project: r.app.spec.project,
      ...(environment ? { environment } : {}),
      intent,
      pr: { number: pr.number, url: pr.url },
      requester: actor.id,
      reason: opts.reason,
      conversation: opts.conversation,
      createdAt: this.clock.now(),
      state: 'open',
      rule: opts.rule,
      ...o,
    };
  }

  /**
   * An open pull request for the change, found instead of opened: the record deckhand has for
   * it, or one made now (another proposer's, seconds ahead, not saved yet; or a store that lost it).
   */
  private async adopt(
    opts: Parameters<ChangeService['propose']>[0],
    pr: PullRequest,
    target: ApplicationTarget | null,
    signal?: AbortSignal,
  ): Promise<{ change: Change; existing: boolean }> {
    const { r, intent } = opts;
    const repoURL = (target ?? trackedBranch(r)).repoURL;
    const known = (await this.list((c) => c.repoURL === repoURL && c.pr.number === pr.number))[0];
    if (known) return { change: known, existing: true };
    const { base, plan } = await this.planned(r, intent, signal, undefined, target).catch(() => ({
      base: { name: pr.baseBranch },
      plan: { summary: [describeIntent(intent)], changes: [] } as Plan,
    }));
    const { stored } = await this.saveOnce(
      this.changeOf(opts, pr, {
        repoURL,
        ...(target ? awaitedImage(r, intent, target) : {}),
        base: base.name,
        title: pr.title,
        branch: pr.headBranch,
        headSha: pr.headSha,
        summary: plan.summary,
        diff: diffOf(plan),
      }),
    );
    return { change: stored, existing: true };
  }

  /**
   * Delete a branch this run pushed for a pull request that did not open: a host that just failed
   * may fail the deletion too, so it is tried three times (a branch left is reused on retry).
   */
  private async dropBranch(host: GitHost, repoURL: string, branch: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await host.deleteBranch(repoURL, branch);
      } catch (err) {
        if (err instanceof NotFoundError) return;
      }
    }
  }

  /** Store a change unless one is stored under its id already (two proposers: the first wins). */
  private async saveOnce(c: Change): Promise<{ stored: Change; mine: boolean }> {
    let mine = false;
    const stored = await this.docs.update(c.id, (x) => {
      if (x) return x;
      mine = true;
      return c;
    });
    return { stored: stored ?? c, mine };
  }

  /**
   * A revert as file edits: each of the app's files the commit changed goes back to its content
   * before the commit (or goes away, if the commit added it). Refused when one of them changed
   * again since (a person must merge that by hand) or when the commit touched none of them.
   */
  private async revertPlan(
    host: GitHost,
    repoURL: string,
    r: ResolvedApp,
    sha: string,
    paths: AppPaths,
    headSha: string,
  ): Promise<Plan> {
    const [info, touched] = await Promise.all([host.commit(repoURL, sha), host.changedFiles(repoURL, sha)]);
    // For a merge commit, the first parent is the branch it was merged into: undo what it brought.
    const parent = info.parents[0];
    if (!parent) throw new RevertConflictError(`Commit ${sha.slice(0, 7)} has no parent to go back to.`);
    const all = [...new Set(touched.flatMap((f) => [f.path, ...(f.previousPath ? [f.previousPath] : [])]))];
    const mine = all.filter((p) => within(paths, p));
    const subject = info.message.split('\n')[0] ?? '';
    if (!mine.length)
      throw new InputError(
        `Commit ${sha.slice(0, 7)} ("${subject}") changed none of ${r.ref}'s files (${watchedPaths(paths).join(', ')}); reverting it would not change ${r.ref}.`,
      );
    const [before, after, head] = await Promise.all([
      host.tree(repoURL, parent),
      host.tree(repoURL, sha),
      host.tree(repoURL, headSha),
    ]);
    const changes: Plan['changes'] = [];
    const moved: string[] = [];
    for (const p of mine) {
      const [was, became, now] = await Promise.all([before.read(p), after.read(p), head.read(p)]);
      if (now !== became) moved.push(p);
      else if (was !== now) changes.push({ path: p, before: now ?? '', after: was ?? null });
    }
    if (moved.length)
      throw new RevertConflictError(
        `Cannot revert ${sha.slice(0, 7)} cleanly: ${moved.join(', ')} changed again after it. Revert by hand.`,
      );
    const others = all.length - mine.length;
    const who = info.author.replace(/\s*<[^>]*>/, '').trim();
    // The subject and author are said only when the commit has them.
    const said = [subject.trim() ? `"${subject.trim()}"` : '', who ? `(${who})` : ''].filter(Boolean);
    return {
      changes,
      summary: [
        `revert ${[sha.slice(0, 7), ...said].join(' ')}${others ? ` in ${r.ref}'s files only: its ${others === 1 ? 'other file stays as it is' : `${others} other files stay as they are`}` : ''}`,
      ],
      quoted: [subject.trim(), who].filter(Boolean),
    };
  }

  /**
   * Going back to a revision, the GitOps way: every file of the app (as it was then, and as it is
   * now) gets its content at that revision; files it did not have then go. Nothing outside the
   * app's files moves, so other apps of the same repository keep their changes.
   */
  private async restorePlan(
    host: GitHost,
    repoURL: string,
    r: ResolvedApp,
    toRevision: string,
    headSha: string,
  ): Promise<{ paths: AppPaths; plan: Plan; then: FileTree }> {
    const [then, now] = await Promise.all([host.tree(repoURL, toRevision), host.tree(repoURL, headSha)]);
    const found = (
      await Promise.all([appPaths(r, then).catch(() => undefined), appPaths(r, now).catch(() => undefined)])
    ).filter((p): p is AppPaths => !!p);
    if (!found.length) throw new InputError(`deckhand cannot tell which files are ${r.ref}'s in ${repoURL}.`);
    const paths = {
      dirs: [...new Set(found.flatMap((p) => p.dirs))],
      files: [...new Set(found.flatMap((p) => p.files))],
    };
    const walk = async (tree: FileTree, dir: string, out: Set<string>): Promise<void> => {
      for (const name of await tree.list(dir)) {
        const p = dir ? `${dir}/${name}` : name;
        if ((await tree.read(p)) !== undefined) out.add(p);
        else await walk(tree, p, out);
      }
    };
    const all = new Set(paths.files);
    for (const d of paths.dirs) {
      await walk(then, d, all);
      await walk(now, d, all);
    }
    const changes: Plan['changes'] = [];
    for (const p of [...all].sort()) {
      const [was, is] = await Promise.all([then.read(p), now.read(p)]);
      if (was !== is) changes.push({ path: p, before: is ?? '', after: was ?? null });
    }
    return {
      paths,
      plan: { changes, summary: [`restore ${r.ref}'s files as they were at ${toRevision.slice(0, 7)}`] },
      then,
    };
  }

  /**
   * The pin for a restore of an app whose image Image Updater writes to Git: the first such image
   * the restored files set to another tag than it runs now, pinned to that tag (pinBeside).
   */
  private async pinRestored(
    r: ResolvedApp,
    then: FileTree,
    paths: AppPaths,
    at: { repoURL: string; branch: string | undefined; files: FileTree },
    asked: { by: string; reason?: string } | undefined,
    signal?: AbortSignal,
  ): Promise<Plan | undefined> {
    const srcPath = (r.app.spec.source ?? r.app.spec.sources?.[0])?.path ?? '';
    const back: string[] = [];
    for (const i of r.view.images ?? []) {
      if (i.origin !== 'image-updater' || !i.detail?.startsWith('written to Git')) continue;
      const running = parseImage(i.image);
      const tag = await tagAt(r, then, paths, srcPath, running.repo);
      if (tag && tag !== running.tag) back.push(`${running.repo}:${tag}`);
    }
    const [image, ...more] = back;
    if (!image) return undefined;
    const by = { by: asked?.by ?? 'deckhand', reason: asked?.reason ?? `roll back to ${image}` };
    const pinned = await pinBeside(r, { kind: 'image', image }, at, by, this.clock.now(), signal);
    // The pin goes through the same check as a bump's: it may write only that image's pin.
    if (pinned?.changes.length) checkScope({ kind: 'image', image }, pinned, r.ref);
    if (!more.length) return pinned;
    const unpinned = `Not pinned for Image Updater: ${more.join(', ')} (one pin per pull request; pin each with gitops bump ${r.ref} <image>).`;
    return { changes: pinned?.changes ?? [], summary: [...(pinned?.summary ?? []), unpinned] };
  }

  /** The commit a revert takes back: the one named, a merged pull request's, or the app's last change. */
  private async revertTarget(
    host: GitHost,
    repoURL: string,
    intent: Extract<Intent, { kind: 'revert' }>,
    r: ResolvedApp,
    signal?: AbortSignal,
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
    // The newest commit on the app's own files that Argo CD deployed (not the newest in the repository).
    const deployed = r.view.history[0]?.revisions[0] ?? r.view.sources.find((x) => !x.refOnly)?.revision;
    if (!deployed) throw new InputError(`${r.ref} has no deployed revision to revert.`);
    const last = await this.breakingCommit(r, { upTo: deployed }, signal);
    if (!last) throw new InputError(`No commit up to ${deployed.slice(0, 7)} changed ${r.ref}'s files.`);
    return last.sha;
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
      `Proposed by deckhand for **${o.r.app.metadata.name}** (Argo CD ${o.r.instance}${o.r.app.spec.project ? `, project ${o.r.app.spec.project}` : ''}).`,
      '',
      ...o.summary.map((s) => `- ${s}`),
      '',
      o.rule
        ? `Opened by the remediation rule \`${o.rule}\`.`
        : `Asked by **${o.actor.name}** (${o.actor.id}) in ${where}.`,
      ...(o.reason?.trim() ? ['', `Reason: ${o.reason.trim()}`] : []),
      '',
      `Argo CD: ${o.r.client.appUrl(o.r.locator)}`,
      'Approve or reject it in chat; deckhand merges it and follows the sync.',
    ].join('\n');
  }
}
