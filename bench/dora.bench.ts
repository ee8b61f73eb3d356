/**
 * Issue 23: delivery metrics at the size of a large organisation — 10,000 apps with 90 days of
 * deployments (30 each, 300,000 records, with their commits) and 2,000 incidents in deckhand's
 * SQLite store. Measures the four keys for a team (100 apps, read per app) and for the whole
 * organisation (every record read), from the store to the figures, and the process's RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/core/clock.ts';
import { SqliteStore } from '../src/core/store/sqlite.ts';
import { DeploymentLog } from '../src/plugins/delivery/deployments.ts';
import {
  appShare,
  byApp,
  combine,
  type AppShare,
  type Deployment,
  type IncidentSpan,
} from '../src/plugins/delivery/four-keys.ts';
import { mb, ms, print, repeat, type Result } from './lib/measure.ts';

const APPS = 10_000;
const PER_APP = 30;
const DAY = 86_400_000;

async function dora(): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-dora-'));
  try {
    const now = Date.parse('2026-12-01T00:00:00Z');
    const clock = new ManualClock(now);
    const store = new SqliteStore(join(dir, 'deckhand.db'), clock);
    const log = new DeploymentLog(store, clock, 180);
    const docs = store.collection<Deployment>('deployments');
    const key = (a: number) => `default/argocd/app-${String(a).padStart(5, '0')}`;
    for (let a = 0; a < APPS; a++)
      await Promise.all(
        Array.from({ length: PER_APP }, (_, i) => {
          const finishedAt = now - 90 * DAY + i * 3 * DAY + (a % 97) * 60_000;
          const d: Deployment = {
            app: key(a),
            name: `app-${a}`,
            project: `team-${a % 100}`,
            id: i,
            revisions: [`${a}-${i}`],
            startedAt: finishedAt - 60_000,
            finishedAt,
            initiatedBy: i % 3 ? 'auto-sync' : 'deckhand',
            ...(i % 10 === 9 ? { restores: true } : {}),
            commits: [
              { sha: `${a}-${i}-a`, at: finishedAt - 5 * 3_600_000 },
              { sha: `${a}-${i}-b`, at: finishedAt - 600_000 },
            ],
          };
          return docs.put(`${key(a)}#${String(i).padStart(12, '0')}`, d);
        }),
      );
    const incidents: IncidentSpan[] = Array.from({ length: 2_000 }, (_, i) => ({
      key: `inc-${i}`,
      app: key((i * 5) % APPS),
      title: 'KubePodCrashLooping',
      startedAt: now - (i % 90) * DAY + 3_600_000,
      resolvedAt: now - (i % 90) * DAY + 5_400_000,
    }));
    global.gc?.();
    const window = { from: now - 30 * DAY, to: now };
    const opts = { failureWindowMs: DAY };
    const team = new Set(Array.from({ length: 100 }, (_, i) => key(i * 100)));
    const everyone = new Set(Array.from({ length: APPS }, (_, a) => key(a)));
    let rssPeak = process.memoryUsage().rss;
    const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
    const windows = [window, { from: window.from - 30 * DAY, to: window.from }];
    const incidentsOf = new Map<string, IncidentSpan[]>();
    for (const i of incidents) incidentsOf.set(i.app, [...(incidentsOf.get(i.app) ?? []), i]);
    // What Recorder.figures does once the record is up to date: app by app, both periods.
    const figures = async (keys: Set<string>) => {
      const shares: AppShare[][] = [[], []];
      await log.eachApp(keys, (app, records) => {
        const list = byApp(records).get(app) ?? [];
        windows.forEach((w, n) => shares[n]!.push(appShare(list, incidentsOf.get(app) ?? [], w, opts)));
        sample();
      });
      return windows.map((w, n) => combine(shares[n]!, w));
    };
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const teamRun = await repeat(5, () => figures(team));
    const orgRun = await repeat(3, () => figures(everyone));
    // How much of it is reading the store: every record read, nothing computed.
    const readRun = await repeat(3, () => log.eachApp(everyone, () => undefined));
    await store.close();
    return [
      {
        bench: 'dora',
        metric: 'a team (100 apps), store to figures, p50',
        value: ms(teamRun.p50),
        target: '< 1000 ms',
        ok: teamRun.p50 < 1000,
      },
      {
        bench: 'dora',
        metric: 'the organisation (10,000 apps, 300k records), p50',
        value: ms(orgRun.p50),
        target: '< 3000 ms',
        ok: orgRun.p50 < 3000,
      },
      {
        bench: 'dora',
        metric: 'RSS, peak (store filled, then computing)',
        value: mb(rssPeak),
        target: '< 300 MB',
        ok: rssPeak < 300 * 1024 * 1024,
      },
      { bench: 'dora', metric: 'RSS before computing', value: mb(rssBefore) },
      { bench: 'dora', metric: 'of the organisation: reading the store, p50', value: ms(readRun.p50) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const run = dora;

if (import.meta.main) print(await run());
