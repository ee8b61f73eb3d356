/**
 * deckhand's own record of deployments. Argo CD keeps only `revisionHistoryLimit` entries of an
 * app's history (10 by default) and computes nothing from them; every entry deckhand sees is kept
 * here, one document per app and history id, with who started it, whether it took an earlier one
 * back, and the commits it brought (from the Git host, when gitops is there to ask).
 */
import type { Clock } from '../../core/clock.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { readApplication, type Application } from '../argocd/index.ts';
import type { Deployment } from './four-keys.ts';

/** What the record needs from gitops, when it is loaded: commits per window, deckhand's merges. */
export interface GitView {
  commits(
    instance: string,
    app: Application,
    window: { from?: string; to: string },
  ): Promise<{ sha: string; date: string }[]>;
  /** Merge commits of deckhand's pull requests, and whether each was a revert. */
  merges(): Promise<Map<string, { revert: boolean }>>;
}

const pad = (n: number) => String(n).padStart(12, '0');
export const appKey = (instance: string, app: Application) =>
  `${instance}/${app.metadata.namespace ?? ''}/${app.metadata.name}`;

export class DeploymentLog {
  private readonly docs: Collection<Deployment>;
  private readonly clock: Clock;
  private readonly retentionMs: number;

  constructor(store: Store, clock: Clock, retentionDays: number) {
    this.docs = store.collection<Deployment>('deployments');
    this.clock = clock;
    this.retentionMs = retentionDays * 86_400_000;
  }

  /** Every deployment recorded, or those of app keys starting with `prefix`. */
  async list(prefix?: string): Promise<Deployment[]> {
    return (await this.docs.list(prefix ? { prefix } : {})).map((d) => d.value);
  }

  /** Each app's deployments in turn (one read per app: memory stays one app's worth). */
  async eachApp(keys: Iterable<string>, fn: (app: string, list: Deployment[]) => void): Promise<void> {
    for (const k of keys) fn(k, await this.list(`${k}#`));
  }

  /**
   * Record the history entries of an app not recorded yet. Returns how many were new. Commits are
   * asked for only for new entries (the Git host is not asked twice for one deployment).
   */
  async ingest(
    instance: string,
    app: Application,
    git?: GitView,
    merges?: Map<string, { revert: boolean }>,
    /** Told of each deployment recorded for the first time (the metrics count it). */
    onRecorded?: (d: Deployment, previous: Deployment | undefined) => void,
  ): Promise<number> {
    const key = appKey(instance, app);
    const view = readApplication(app);
    const history = [...view.history].sort((a, b) => a.id - b.id);
    if (!history.length) return 0;
    const known = new Map((await this.docs.list({ prefix: `${key}#` })).map((d) => [d.value.id, d.value]));
    const earlier = [...known.values()].sort((a, b) => a.id - b.id);
    let added = 0;
    const recorded: Deployment[] = [];
    for (const [i, h] of history.entries()) {
      if (known.has(h.id) || !h.deployedAt) continue;
      const finishedAt = Date.parse(h.deployedAt);
      if (finishedAt < this.clock.now() - this.retentionMs) continue;
      const previous = history[i - 1] ?? earlier.filter((e) => e.id < h.id).at(-1);
      const before = [...earlier.filter((e) => e.id < h.id), ...history.slice(0, i)];
      const revision = h.revisions[0];
      const merged = revision ? merges?.get(revision) : undefined;
      // An earlier revision again (not the one just before: that is a redeploy) takes it back.
      const again =
        !!revision &&
        before.slice(0, -1).some((b) => b.revisions[0] === revision) &&
        before.at(-1)?.revisions[0] !== revision;
      const prevRevision = previous?.revisions[0];
      // The first deployment known has no known start of its range: its commits are unknown.
      const commits =
        git && revision && prevRevision && !again && prevRevision !== revision
          ? await git.commits(instance, app, { from: prevRevision, to: revision }).catch(() => undefined)
          : undefined;
      const d: Deployment = {
        app: key,
        name: app.metadata.name,
        project: app.spec.project,
        id: h.id,
        revisions: h.revisions,
        ...(h.startedAt ? { startedAt: Date.parse(h.startedAt) } : {}),
        finishedAt,
        ...(merged ? { initiatedBy: 'deckhand' } : h.initiatedBy ? { initiatedBy: h.initiatedBy } : {}),
        ...(again || merged?.revert ? { restores: true } : {}),
        ...(commits ? { commits: commits.map((c) => ({ sha: c.sha, at: Date.parse(c.date) })) } : {}),
      };
      if (await this.docs.insertIfAbsent(`${key}#${pad(h.id)}`, d)) {
        added++;
        const before = [...known.values(), ...recorded]
          .filter((x) => x.id < h.id)
          .sort((a, b) => a.id - b.id)
          .at(-1);
        onRecorded?.(d, before);
      }
      recorded.push(d);
    }
    return added;
  }

  /** Drop records older than the retention. */
  async prune(): Promise<number> {
    const limit = this.clock.now() - this.retentionMs;
    let n = 0;
    for (const d of await this.docs.list())
      if ((d.value.finishedAt ?? Infinity) < limit && (await this.docs.delete(d.key))) n++;
    return n;
  }
}
