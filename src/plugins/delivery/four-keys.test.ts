/**
 * The four keys against hand-made histories whose figures were worked out by hand
 * (test/fixtures/dora/*.yaml), and properties that hold for any history: the order records arrive
 * in does not matter, and no figure is negative or NaN.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fourKeys, type Deployment, type IncidentSpan } from './four-keys.ts';

const H = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (h: number) => T0 + h * H;
const dir = new URL('../../../test/fixtures/dora/', import.meta.url);

interface Story {
  window: { fromHour: number; toHour: number };
  failureWindowHours: number;
  deployments: {
    app: string;
    id: number;
    finishedHour?: number;
    startedHour?: number;
    restores?: boolean;
    missedBefore?: number;
    commits?: { sha: string; hour: number }[];
  }[];
  incidents: {
    key: string;
    app: string;
    title: string;
    kind?: 'incident' | 'degraded';
    startedHour: number;
    resolvedHour?: number;
  }[];
  expected: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function load(story: Story) {
  const deployments: Deployment[] = story.deployments.map((d) => ({
    app: d.app,
    name: d.app.split('/').pop() as string,
    project: 'shop',
    id: d.id,
    revisions: [`rev-${d.id}`],
    ...(d.finishedHour !== undefined ? { finishedAt: at(d.finishedHour) } : {}),
    ...(d.startedHour !== undefined ? { startedAt: at(d.startedHour) } : {}),
    ...(d.restores ? { restores: true } : {}),
    ...(d.missedBefore ? { missedBefore: d.missedBefore } : {}),
    ...(d.commits ? { commits: d.commits.map((c) => ({ sha: c.sha, at: at(c.hour) })) } : {}),
  }));
  const incidents: IncidentSpan[] = story.incidents.map((i) => ({
    key: i.key,
    app: i.app,
    title: i.title,
    ...(i.kind ? { kind: i.kind } : {}),
    startedAt: at(i.startedHour),
    ...(i.resolvedHour !== undefined ? { resolvedAt: at(i.resolvedHour) } : {}),
  }));
  const window = { from: at(story.window.fromHour), to: at(story.window.toHour) };
  return { deployments, incidents, window, opts: { failureWindowMs: story.failureWindowHours * H } };
}

const stories = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('the four keys on hand-made histories', () => {
  it.each(stories)('%s', (file) => {
    const story = parse(readFileSync(new URL(file, dir), 'utf8')) as Story;
    const { deployments, incidents, window, opts } = load(story);
    const k = fourKeys(deployments, incidents, window, opts);
    const e = story.expected;
    expect(k.deployments).toBe(e.deployments);
    expect(k.running).toBe(e.running);
    expect(k.missed).toBe(e.missed ?? 0);
    if (e.causes) expect(k.failures.map((f) => `${f.deployment} ${f.cause.kind}`)).toEqual(e.causes);
    expect(k.perDay).toBeCloseTo(e.perDay, 10);
    expect({ median: k.leadTime.median! / H, p90: k.leadTime.p90! / H, commits: k.leadTime.commits }).toEqual(
      e.leadTimeHours,
    );
    expect({ failed: k.changeFailureRate.failed, of: k.changeFailureRate.of }).toEqual(e.changeFailureRate);
    expect({
      median: k.timeToRestore.median! / H,
      restored: k.timeToRestore.restored,
      open: k.timeToRestore.open,
    }).toEqual(e.timeToRestoreHours);
    expect(k.bands).toEqual(e.bands);
  });
});

describe('the four keys, for any history', () => {
  const story = parse(readFileSync(new URL(stories[0] as string, dir), 'utf8')) as Story;
  const { deployments, incidents, window, opts } = load(story);

  it('are the same whatever order the records arrive in, and with records that arrive twice', () => {
    const base = fourKeys(deployments, incidents, window, opts);
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 50; n++) {
      const shuffle = <T>(xs: T[]) =>
        xs
          .map((x) => [random(), x] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, x]) => x);
      const twice = shuffle([...deployments, ...deployments.slice(0, n % deployments.length)]);
      expect(fourKeys(twice, shuffle(incidents), window, opts)).toEqual(base);
    }
  });

  it('are never negative or NaN, and absent where there is nothing to stand on', () => {
    const empty = fourKeys([], [], window, opts);
    expect(empty).toMatchObject({ deployments: 0, perDay: 0, bands: {} });
    expect(empty.leadTime.median).toBeUndefined();
    expect(empty.changeFailureRate.rate).toBeUndefined();
    expect(empty.timeToRestore.median).toBeUndefined();
    // A commit dated after its deployment (clock skew) is not a negative lead time.
    const skewed = fourKeys(
      [
        {
          app: 'x',
          name: 'x',
          project: 'p',
          id: 1,
          revisions: [],
          finishedAt: at(5),
          commits: [{ sha: 's', at: at(6) }],
        },
      ],
      [],
      window,
      opts,
    );
    expect(skewed.leadTime.median).toBe(0);
    // Two deployments that went live in the same second bring a commit once.
    const tie = fourKeys(
      [1, 2].map((id) => ({
        app: 'x',
        name: 'x',
        project: 'p',
        id,
        revisions: [],
        finishedAt: at(5),
        commits: [{ sha: 's', at: at(4) }],
      })),
      [],
      window,
      opts,
    );
    expect(tie.leadTime.commits).toBe(1);
    const k = fourKeys(deployments, incidents, window, opts);
    for (const v of [
      k.perDay,
      k.leadTime.median,
      k.leadTime.p90,
      k.changeFailureRate.rate,
      k.timeToRestore.median,
    ])
      expect(Number.isFinite(v) && (v as number) >= 0).toBe(true);
  });
});
