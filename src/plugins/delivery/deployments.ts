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

/** What the record needs from gitops, when it is loaded: the commits of a range of revisions. */
export interface GitView {
  commits(
    instance: string,
    app: Application,
    window: { from?: string; to: string },
  ): Promise<{ sha: string; date: string }[]>;
}

const pad = (n: number) => String(n).padStart(14, '0');
/** Records sort by when they went live: keys by time, then id. */
const docKey = (app: string, d: Deployment) => `${app}#${pad(d.finishedAt ?? 0)}-${pad(d.id)}`;
const byLive = (a: Deployment, b: Deployment) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.id - b.id;

/**
 * An earlier revision deployed again takes the last one back — a rollback — when that revision
 * went live before the one it replaces first did. A redeploy of the same revision does not, and
 * neither does going forward again after a rollback (A, B, A, B: the second B is a roll-forward).
 */
function takesBack(before: Deployment[], revision: string | undefined): boolean {
  const last = before.at(-1)?.revisions[0];
  if (!revision || !last || last === revision) return false;
  const firstLive = (rev: string) => before.findIndex((d) => d.revisions[0] === rev);
  const mine = firstLive(revision);
  return mine >= 0 && mine < firstLive(last);
}
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
   * Record the history entries of an app not recorded yet, and read the commits of those whose
   * commits are still to be read, while `budget` lasts (one Git range each). A range that could
   * not be read stays to be read (`commitsPending`), for a later pass, so a Git host that was slow
   * or refused once costs no lead time. Returns how many deployments were new.
   */
  async ingest(
    instance: string,
    app: Application,
    opts: {
      git?: GitView;
      merges?: Map<string, { revert: boolean }>;
      /** Git ranges this call may read; it spends them and says what is left. */
      budget?: { ranges: number };
      signal?: AbortSignal;
      /** Told of each deployment recorded for the first time (the metrics count it). */
      onRecorded?: (d: Deployment, previous: Deployment | undefined) => void;
      /** Told of a deployment whose commits were just read. */
      onCommits?: (d: Deployment) => void;
    } = {},
  ): Promise<number> {
    const { git, merges, budget, signal, onRecorded, onCommits } = opts;
    const key = appKey(instance, app);
    const history = [...readApplication(app).history]
      .filter((h) => h.deployedAt && Date.parse(h.deployedAt) >= this.clock.now() - this.retentionMs)
      .sort((a, b) => Date.parse(a.deployedAt as string) - Date.parse(b.deployedAt as string) || a.id - b.id);
    const stored = await this.docs.list({ prefix: `${key}#` });
    // A deployment is its id and when it went live: an app deleted and made again starts at id 0.
    const same = (d: Deployment, id: number, at: number) => d.id === id && d.finishedAt === at;
    const all = stored.map((x) => x.value).sort(byLive);
    let added = 0;
    for (const h of history) {
      signal?.throwIfAborted();
      const finishedAt = Date.parse(h.deployedAt as string);
      if (all.some((d) => same(d, h.id, finishedAt))) continue;
      const before = all.filter((d) => (d.finishedAt ?? 0) <= finishedAt);
      const previous = before.at(-1);
      const revision = h.revisions[0];
      const merged = revision ? merges?.get(revision) : undefined;
      const d: Deployment = {
        app: key,
        name: app.metadata.name,
        project: app.spec.project,
        id: h.id,
        revisions: h.revisions,
        ...(h.startedAt ? { startedAt: Date.parse(h.startedAt) } : {}),
        finishedAt,
        ...(merged ? { initiatedBy: 'deckhand' } : h.initiatedBy ? { initiatedBy: h.initiatedBy } : {}),
        ...(takesBack(before, revision) || merged?.revert ? { restores: true } : {}),
        // The first deployment known has no known start of its range: its commits are unknown.
        ...(git && revision && previous?.revisions[0] && previous.revisions[0] !== revision
          ? { commitsPending: true }
          : {}),
      };
      if (await this.docs.insertIfAbsent(docKey(key, d), d)) {
        added++;
        onRecorded?.(d, previous);
      }
      all.push(d);
      all.sort(byLive);
    }
    // Commits still to be read, oldest first, while the budget lasts.
    if (git)
      for (const d of all) {
        if (!d.commitsPending || d.restores) continue;
        if (budget && budget.ranges <= 0) break;
        signal?.throwIfAborted();
        const previous = all.filter((x) => byLive(x, d) < 0).at(-1);
        const from = previous?.revisions[0];
        const to = d.revisions[0];
        if (!from || !to) continue;
        if (budget) budget.ranges--;
        const commits = await git.commits(instance, app, { from, to }).catch(() => undefined);
        if (!commits) continue;
        const { commitsPending: _, ...rest } = d;
        const read = { ...rest, commits: commits.map((c) => ({ sha: c.sha, at: Date.parse(c.date) })) };
        await this.docs.put(docKey(key, d), read);
        onCommits?.(read);
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
