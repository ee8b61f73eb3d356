/**
 * deckhand's record of deployments, read from Argo CD's history: kept beyond the 10 entries Argo
 * CD keeps, each once; a rollback to an earlier revision is marked; the commits of each range are
 * asked for once, and never for the first deployment known (where its range starts is unknown).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { InputError } from '../../core/errors.ts';
import { SqliteStore } from '../../core/store/sqlite.ts';
import type { Application } from '../argocd/index.ts';
import { DeploymentLog, type GitView } from './deployments.ts';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const H = 3_600_000;
const iso = (h: number) => new Date(T0 + h * H).toISOString();

/** web with Argo CD's last `limit` history entries of the revisions given (one per hour). */
function web(revisions: string[], limit = 10): Application {
  const history = revisions.map((revision, id) => ({
    id,
    revision,
    deployStartedAt: iso(id),
    deployedAt: iso(id + 0.5),
    initiatedBy: { automated: true },
  }));
  return {
    metadata: { name: 'web', namespace: 'argocd' },
    spec: { project: 'shop', destination: {}, source: { repoURL: 'https://git/x', path: 'web' } },
    status: { history: history.slice(-limit) },
  } as unknown as Application;
}

function setup() {
  const clock = new ManualClock(T0 + 100 * H);
  const log = new DeploymentLog(new SqliteStore(':memory:', clock), clock, 30);
  const asked: string[] = [];
  const git: GitView = {
    commits: async (_i, _a, w) => {
      asked.push(`${w.from?.join('+')}..${w.to.join('+')}`);
      return [{ sha: `c-${w.to[0]}`, date: iso(Number(w.to[0]?.slice(1)) - 1) }];
    },
  };
  return { log, git, asked };
}

describe('the deployment record', () => {
  it("keeps more than Argo CD's ten entries, each once, asking the Git host once per range", async () => {
    const { log, git, asked } = setup();
    const revs = Array.from({ length: 15 }, (_, i) => `r${i}`);
    expect(await log.ingest('default', web(revs.slice(0, 10)), { git })).toBe(10);
    // Later, Argo CD holds r5..r14: five are new.
    expect(await log.ingest('default', web(revs), { git })).toBe(5);
    expect(await log.ingest('default', web(revs), { git })).toBe(0);
    const all = await log.list();
    expect(all.map((d) => d.id).sort((a, b) => a - b)).toEqual(revs.map((_, i) => i));
    // r0 is the first known: no range, no commits; every other range asked once.
    expect(all.find((d) => d.id === 0)?.commits).toBeUndefined();
    expect(asked).toEqual(revs.slice(1).map((r, i) => `r${i}..${r}`));
  });

  it('marks an earlier revision deployed again as taking the later one back, not a redeploy', async () => {
    const { log, git } = setup();
    await log.ingest('default', web(['r0', 'r1', 'r2', 'r1', 'r1']), { git });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(3)?.restores).toBe(true);
    expect(byId.get(4)?.restores).toBeUndefined();
    // A rollback brings no commits of its own, and none are waited for.
    expect(byId.get(3)?.commits).toBeUndefined();
    expect(byId.get(3)?.commitsPending).toBeUndefined();
  });

  it('says deckhand brought what it merged, and that a revert it merged takes a deployment back', async () => {
    const { log, git } = setup();
    const merges = new Map([
      ['r1', { revert: false }],
      ['r2', { revert: true }],
    ]);
    await log.ingest('default', web(['r0', 'r1', 'r2']), { git, merges });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(0)?.initiatedBy).toBe('auto-sync');
    expect(byId.get(1)).toMatchObject({ initiatedBy: 'deckhand' });
    expect(byId.get(2)).toMatchObject({ initiatedBy: 'deckhand', restores: true });
  });

  it('puts right a deployment of a merge recorded before deckhand wrote down that it merged it', async () => {
    const { log, git } = setup();
    const app = web(['r0', 'r1', 'r2']);
    await log.ingest('default', app, { git });
    await log.ingest('default', app, { git, merges: new Map([['r2', { revert: true }]]) });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(2)).toMatchObject({ initiatedBy: 'deckhand', restores: true });
    // The revert's commits, read as a deployment's own before, no longer count.
    expect(byId.get(2)?.commits).toBeUndefined();
    expect(byId.get(1)?.initiatedBy).toBe('auto-sync');
  });

  it('tells of every deployment it holds, whoever recorded it first, as it stands then', async () => {
    const clock = new ManualClock(T0 + 100 * H);
    const store = new SqliteStore(':memory:', clock);
    // Two processes on one store (a replica, or `deckhand exec`'s dora read): the first records.
    const first = new DeploymentLog(store, clock, 30);
    const serving = new DeploymentLog(store, clock, 30);
    const app = web(['r0', 'r1']);
    await first.ingest('default', app);
    const seen: string[] = [];
    const added = await serving.ingest('default', app, {
      merges: new Map([['r1', { revert: false }]]),
      onSeen: (d, previous) => seen.push(`${d.id} ${d.initiatedBy} after ${previous?.id}`),
    });
    expect(added).toBe(0);
    // Put right before it is told: the merge was written down after the first read.
    expect(seen).toEqual(['0 auto-sync after undefined', '1 deckhand after 0']);
  });

  it('takes a roll-forward after a rollback for what it is: A, B, A, B has one rollback', async () => {
    const { log, git } = setup();
    await log.ingest('default', web(['rA', 'rB', 'rA', 'rB']), { git });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect([0, 1, 2, 3].map((id) => !!byId.get(id)?.restores)).toEqual([false, false, true, false]);
  });

  it('keeps an app made again (its ids start at 0 again) as new deployments', async () => {
    const { log, git, asked } = setup();
    await log.ingest('default', web(['r0', 'r1', 'r2']), { git });
    const again = web(['r7', 'r8']);
    for (const h of (again.status as { history: { deployedAt: string }[] }).history)
      h.deployedAt = iso(50 + Number(h.deployedAt.slice(11, 13)));
    asked.length = 0;
    expect(await log.ingest('default', again, { git })).toBe(2);
    expect((await log.list()).map((d) => d.revisions[0])).toEqual(['r0', 'r1', 'r2', 'r7', 'r8']);
    // The old app's last deployment is not where the new one's range starts, nor a gap before it.
    expect(asked).toEqual(['r7..r8']);
    expect((await log.list()).some((d) => d.missedBefore)).toBe(false);
  });

  it('reads commits within its budget, and again later when the Git host failed, losing none', async () => {
    const { log, git, asked } = setup();
    let down = true;
    const flaky: GitView = {
      commits: async (i, a, w) => {
        if (down) throw new Error('the Git host did not answer');
        return git.commits(i, a, w);
      },
    };
    const app = web(['r0', 'r1', 'r2', 'r3']);
    await log.ingest('default', app, { git: flaky, budget: { ranges: 5 } });
    expect((await log.list()).filter((d) => d.commitsPending).map((d) => d.id)).toEqual([1, 2, 3]);
    down = false;
    const budget = { ranges: 2 };
    await log.ingest('default', app, { git: flaky, budget });
    expect(budget.ranges).toBe(0);
    expect((await log.list()).filter((d) => d.commitsPending).map((d) => d.id)).toEqual([3]);
    await log.ingest('default', app, { git: flaky, budget: { ranges: 2 } });
    expect((await log.list()).filter((d) => d.commitsPending)).toEqual([]);
    expect(asked).toEqual(['r0..r1', 'r1..r2', 'r2..r3']);
  });

  it('says how many deployments came and went between two reads, and reads no commits across them', async () => {
    const { log, git, asked } = setup();
    const revs = Array.from({ length: 25 }, (_, i) => `r${i}`);
    await log.ingest('default', web(revs.slice(0, 10)), { git });
    // Fifteen more syncs before the next read: Argo CD now holds 15..24; 10..14 were never seen.
    asked.length = 0;
    expect(await log.ingest('default', web(revs), { git })).toBe(10);
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(15)).toMatchObject({ missedBefore: 5 });
    expect(byId.get(15)?.commits).toBeUndefined();
    expect(byId.get(16)?.missedBefore).toBeUndefined();
    // Its range would hold the commits of the five missed: only 16..24 are asked.
    expect(asked).toEqual(revs.slice(16).map((r, i) => `r${i + 15}..${r}`));
  });

  it('asks once about commits that cannot be known, and says why', async () => {
    const { log } = setup();
    let asked = 0;
    const chartOnly: GitView = {
      commits: async () => {
        asked++;
        throw new InputError('web has no Git source: its deployments bring no commits.');
      },
    };
    const app = web(['r0', 'r1', 'r2']);
    await log.ingest('default', app, { git: chartOnly });
    await log.ingest('default', app, { git: chartOnly });
    expect(asked).toBe(2);
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(2)).toMatchObject({ commitsUnknown: expect.stringContaining('no Git source') });
    expect(byId.get(2)?.commitsPending).toBeUndefined();
  });

  it('takes a multi-source deployment as all its revisions: a chart bump alone is not a rollback', async () => {
    const { log, git, asked } = setup();
    const app = web([]);
    const entry = (id: number, chart: string, values: string) => ({
      id,
      revisions: [chart, values],
      deployStartedAt: iso(id),
      deployedAt: iso(id + 0.5),
    });
    (app.status as { history: unknown[] }).history = [
      entry(0, '1.0.0', 'r0'),
      entry(1, '1.1.0', 'r0'),
      entry(2, '1.1.0', 'r1'),
      entry(3, '1.0.0', 'r0'),
    ];
    await log.ingest('default', app, { git });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect([1, 2, 3].map((id) => !!byId.get(id)?.restores)).toEqual([false, false, true]);
    // The Git host is given every source's revisions; gitops picks its Git source's.
    expect(asked).toEqual(['1.0.0+r0..1.1.0+r0', '1.1.0+r0..1.1.0+r1']);
  });

  it('reads the source commit of an image Image Updater moved without a new revision (write-back argocd)', async () => {
    const { log, git, asked } = setup();
    const built: string[] = [];
    const withImages: GitView = {
      ...git,
      imageCommit: async (image) => {
        built.push(image);
        return { sha: `src-${image.split(':').pop()}`, date: iso(2) };
      },
    };
    const app = web(['r0', 'r0', 'r0', 'r0']);
    const tags = ['1.0.0', '1.1.0', '1.2.0', '1.1.0'];
    const history = (app.status as unknown as { history: Record<string, unknown>[] }).history;
    history.forEach((h, i) => {
      h.source = {
        repoURL: 'https://git/x',
        path: 'web',
        kustomize: { images: [`web=ghcr.io/acme/web:${tags[i]}`] },
      };
    });
    // What runs now, as Argo CD sums it up once the last sync is done.
    Object.assign(app.status as object, {
      sync: { status: 'Synced', revision: 'r0' },
      summary: { images: ['ghcr.io/acme/web:1.1.0', 'docker.io/library/redis:7'] },
    });
    await log.ingest('default', app, { git: withImages });
    const byId = new Map((await log.list()).map((d) => [d.id, d]));
    expect(byId.get(1)?.commits).toEqual([{ sha: 'src-1.1.0', at: Date.parse(iso(2)) }]);
    expect(byId.get(2)?.commits?.map((c) => c.sha)).toEqual(['src-1.2.0']);
    // Image Updater going back to 1.1.0 takes 1.2.0 back: a rollback, with no commits of its own.
    expect(byId.get(3)).toMatchObject({
      restores: true,
      images: ['docker.io/library/redis:7', 'ghcr.io/acme/web:1.1.0'],
    });
    expect(built).toEqual(['ghcr.io/acme/web:1.1.0', 'ghcr.io/acme/web:1.2.0']);
    // The revision never moved: no Git range was asked.
    expect(asked).toEqual([]);
  });

  it("follows the app's own images only, and says after five passes what a registry never answered", async () => {
    const { log, git } = setup();
    const builds: string[] = [];
    const registryDown = true;
    const flaky: GitView = {
      ...git,
      imageCommit: async (image) => {
        builds.push(image);
        if (registryDown) throw new Error('the registry did not answer');
        return { sha: 'src', date: iso(1) };
      },
    };
    const app = (revs: string[], images: string[]) => {
      const a = web(revs);
      (a.metadata as { annotations?: Record<string, string> }).annotations = {
        'argocd-image-updater.argoproj.io/image-list': 'web=ghcr.io/acme/web',
      };
      Object.assign(a.status as object, {
        sync: { status: 'Synced', revision: revs.at(-1) },
        summary: { images },
      });
      return a;
    };
    await log.ingest('default', app(['r0'], ['ghcr.io/acme/web:1', 'quay.io/x/proxy:1']), { git: flaky });
    // r1 moves the team's image and a sidecar: only the team's build is asked about.
    const next = app(['r0', 'r1'], ['ghcr.io/acme/web:2', 'quay.io/x/proxy:2']);
    for (let pass = 0; pass < 4; pass++) await log.ingest('default', next, { git: flaky });
    let r1 = (await log.list()).find((d) => d.id === 1);
    expect(r1).toMatchObject({ commitsPending: true, tries: 4 });
    await log.ingest('default', next, { git: flaky });
    r1 = (await log.list()).find((d) => d.id === 1);
    expect(r1?.commitsPending).toBeUndefined();
    expect(r1?.commitsUnknown).toContain('not read in 5 passes: the registry did not answer');
    // The Git range was read all the same: its commit counts.
    expect(r1?.commits?.map((c) => c.sha)).toEqual(['c-r1']);
    expect(new Set(builds)).toEqual(new Set(['ghcr.io/acme/web:2']));
  });
});
