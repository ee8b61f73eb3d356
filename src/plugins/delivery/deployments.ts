/**
 * deckhand's own record of deployments. Argo CD keeps only `revisionHistoryLimit` entries of an
 * app's history (10 by default) and computes nothing from them; every entry deckhand sees is kept
 * here, one document per app and history id, with who started it, whether it took an earlier one
 * back, and the commits it brought (from the Git host, when gitops is there to ask).
 */
import type { Clock } from '../../core/clock.ts';
import { InputError } from '../../core/errors.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import { canonicalRepo, parseImage } from '../../core/image-ref.ts';
import { readApplication, syncOf, type Application } from '../argocd/index.ts';
import type { Deployment } from './four-keys.ts';

/**
 * What the record needs from gitops, when it is loaded: the commits of a range of revisions (per
 * source, as history lists them). An InputError says they cannot be known, so none are asked again.
 */
export interface GitView {
  commits(
    instance: string,
    app: Application,
    window: { from?: string[]; to: string[] },
  ): Promise<{ sha: string; date: string }[]>;
  /** The source commit an image was built from (its OCI labels), when a registry is there to ask. */
  imageCommit?(image: string): Promise<{ sha: string; date: string }>;
}

/** A number as text that sorts as the number does (store keys list in text order). */
export const pad = (n: number) => String(n).padStart(14, '0');
/** Records sort by when they went live: keys by time, then id. */
const docKey = (app: string, d: Deployment) => `${app}#${pad(d.finishedAt ?? 0)}-${pad(d.id)}`;
const byLive = (a: Deployment, b: Deployment) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.id - b.id;

/**
 * What a deployment ran: its revisions of every source (a multi-source app has several) and the
 * images the Application itself set (write-back argocd moves those without a new revision).
 */
const ran = (d: { revisions: string[]; overrides?: string[] }) =>
  [...d.revisions, ...(d.overrides ?? [])].join(' ');

/** A kustomize images entry (`[alias=]image`) as the image it sets. */
const imageOf = (entry: string) => entry.slice(entry.indexOf('=') + 1);

const repoOf = (image: string) => canonicalRepo(parseImage(image).repo);

/**
 * The images of `now` that replace another build of the same repository in `before` (an image
 * added or taken away is not a new build of anything), among the app's own: those the Application
 * sets (`overrides`) and those `followed` (Image Updater's image list). A sidecar or a chart's
 * third-party image is not the team's change. Compared on what both sides know.
 */
export function imagesMoved(before: Deployment, now: Deployment, followed: Set<string>): string[] {
  const [a, b] =
    before.images && now.images
      ? [before.images, now.images]
      : before.overrides && now.overrides
        ? [before.overrides, now.overrides]
        : [[], []];
  const own = new Set([...followed, ...(now.overrides ?? []).map(repoOf)]);
  const was = new Map(a.map((i) => [repoOf(i), i]));
  return b.filter((i) => {
    const old = was.get(repoOf(i));
    return own.has(repoOf(i)) && old !== undefined && old !== i;
  });
}

/** Passes a deployment's commits are asked for before what still fails is said to be unknown. */
const MAX_TRIES = 5;

/**
 * An earlier revision deployed again takes the last one back — a rollback — when that revision
 * went live before the one it replaces first did. A redeploy of the same revision does not, and
 * neither does going forward again after a rollback (A, B, A, B: the second B is a roll-forward).
 */
function takesBack(before: Deployment[], revision: string): boolean {
  const last = before.at(-1);
  if (!revision || !last || ran(last) === revision) return false;
  const firstLive = (rev: string) => before.findIndex((d) => ran(d) === rev);
  const mine = firstLive(revision);
  return mine >= 0 && mine < firstLive(ran(last));
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
      /**
       * Told of each deployment of the app's history as the record now holds it, whether this
       * call recorded it or another process (a replica, `deckhand exec`) did before: whoever
       * counts deployments keeps its own tally, as who records one first is a race.
       */
      onSeen?: (d: Deployment, previous: Deployment | undefined) => void;
      /** Told of a deployment whose commits were just read. */
      onCommits?: (d: Deployment) => void;
    } = {},
  ): Promise<number> {
    const { git, merges, budget, signal, onSeen, onCommits } = opts;
    const key = appKey(instance, app);
    const history = [...readApplication(app).history]
      .filter((h) => h.deployedAt && Date.parse(h.deployedAt) >= this.clock.now() - this.retentionMs)
      .sort((a, b) => Date.parse(a.deployedAt as string) - Date.parse(b.deployedAt as string) || a.id - b.id);
    const stored = await this.docs.list({ prefix: `${key}#` });
    // A deployment is its id and when it went live: an app deleted and made again starts at id 0.
    const same = (d: Deployment, id: number, at: number) => d.id === id && d.finishedAt === at;
    const all = stored.map((x) => x.value).sort(byLive);
    // What runs now, when the last deployment is what runs: synced to it, nothing under way.
    const view = readApplication(app);
    const last = history.at(-1);
    const synced = app.status?.sync?.revisions ?? [app.status?.sync?.revision ?? ''];
    const runs =
      last && !view.operation && syncOf(app) === 'Synced' && synced.join(' ') === last.revisions.join(' ')
        ? view.images.map((i) => i.image).sort()
        : undefined;
    const followed = new Set((view.imageUpdater?.images ?? []).map((i) => repoOf(i.image)));
    let added = 0;
    for (const h of history) {
      signal?.throwIfAborted();
      const finishedAt = Date.parse(h.deployedAt as string);
      const merged = h.revisions.map((r) => merges?.get(r)).find(Boolean);
      const known = all.find((d) => same(d, h.id, finishedAt));
      if (known) {
        // Argo CD can deploy a merge before deckhand has written down that it merged it: the
        // record is put right while Argo CD still lists the deployment.
        const fix = merged && known.initiatedBy !== 'deckhand';
        if (fix) {
          known.initiatedBy = 'deckhand';
          // A revert brings no commits of its own.
          if (merged.revert) {
            known.restores = true;
            delete known.commitsPending;
            delete known.commits;
          }
        }
        // Recorded while a sync was under way: what it runs is known once it is live, and the
        // builds it brought are then to be read.
        const seen = h === last && runs && !known.images;
        if (seen) {
          known.images = runs;
          const prior = all.filter((x) => byLive(x, known) < 0).at(-1);
          if (
            git &&
            prior &&
            !known.restores &&
            !known.missedBefore &&
            !known.commitsPending &&
            imagesMoved(prior, known, followed).length
          ) {
            known.commitsPending = true;
            delete known.commits;
          }
        }
        if (fix || seen) await this.docs.put(docKey(key, known), known);
        const prior = all.filter((x) => byLive(x, known) < 0).at(-1);
        onSeen?.(known, prior && prior.id < known.id ? prior : undefined);
        continue;
      }
      const before = all.filter((d) => (d.finishedAt ?? 0) <= finishedAt);
      // An app deleted and made again numbers from 0 again: what came before is another app's.
      const previous = before.at(-1) && (before.at(-1) as Deployment).id < h.id ? before.at(-1) : undefined;
      // Argo CD numbers each deployment one more than the last (controller/state.go,
      // persistRevisionHistory): a jump means deployments came and went between two reads.
      const missed = previous && h.id > previous.id + 1 ? h.id - previous.id - 1 : 0;
      const overrides = h.images?.map(imageOf).sort();
      const d: Deployment = {
        app: key,
        name: app.metadata.name,
        project: app.spec.project,
        id: h.id,
        revisions: h.revisions,
        ...(overrides ? { overrides } : {}),
        ...(h === last && runs ? { images: runs } : {}),
        ...(h.startedAt ? { startedAt: Date.parse(h.startedAt) } : {}),
        finishedAt,
        ...(merged ? { initiatedBy: 'deckhand' } : h.initiatedBy ? { initiatedBy: h.initiatedBy } : {}),
        ...(missed ? { missedBefore: missed } : {}),
      };
      if (takesBack(before, ran(d)) || merged?.revert) d.restores = true;
      // The first deployment known has no known start of its range, and one after deployments
      // deckhand missed would take their commits as its own: their commits are not read. A
      // rollback brings none of its own.
      if (
        git &&
        !missed &&
        !d.restores &&
        previous &&
        (ran(previous) !== ran(d) || imagesMoved(previous, d, followed).length)
      )
        d.commitsPending = true;
      if (await this.docs.insertIfAbsent(docKey(key, d), d)) added++;
      onSeen?.(d, previous);
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
        if (!previous) continue;
        if (budget) budget.ranges--;
        const { commitsPending: _, tries: __, ...rest } = d;
        const found = new Map<string, number>();
        const unknown: string[] = [];
        let failed: unknown;
        // What cannot be known (an InputError) is said once and not asked again. A Git host or
        // registry that was slow or down is asked again next pass, up to MAX_TRIES passes.
        const ask = async (what: () => Promise<{ sha: string; date: string }[]>) => {
          try {
            for (const c of await what()) found.set(c.sha, Date.parse(c.date));
          } catch (err) {
            if (err instanceof InputError) unknown.push(err.message);
            else failed ??= err;
          }
        };
        if (d.revisions.join(' ') !== previous.revisions.join(' '))
          await ask(() => git.commits(instance, app, { from: previous.revisions, to: d.revisions }));
        const imageCommit = git.imageCommit;
        if (imageCommit)
          for (const image of imagesMoved(previous, d, followed))
            await ask(async () => [await imageCommit(image)]);
        const tries = (d.tries ?? 0) + 1;
        if (failed !== undefined && tries < MAX_TRIES) {
          d.tries = tries;
          await this.docs.put(docKey(key, d), d);
          continue;
        }
        if (failed !== undefined)
          unknown.push(`not read in ${MAX_TRIES} passes: ${(failed as Error).message ?? String(failed)}`);
        const read: Deployment = {
          ...rest,
          ...(found.size || !unknown.length ? { commits: [...found].map(([sha, at]) => ({ sha, at })) } : {}),
          ...(unknown.length ? { commitsUnknown: unknown.join('; ') } : {}),
        };
        await this.docs.put(docKey(key, d), read);
        Object.assign(d, read);
        delete d.commitsPending;
        delete d.tries;
        if (read.commits) onCommits?.(read);
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
