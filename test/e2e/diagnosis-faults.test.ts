/**
 * Diagnoses under faults, through the whole stack: the shop monorepo and every world of the
 * diagnosis suite, each app diagnosed once with everything answering and then with Argo CD, the
 * cluster and the Git host each slow beyond the bot's deadline and each failing half its
 * requests. The root cause is the same as without the fault, or absent with what could not be
 * read said — never a different one (test/support/fault-runs.ts). The worlds run five at a time:
 * most of a fault run is waiting for a deadline.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { checkUnderFaults, startFaultWorld } from '../support/fault-runs.ts';

const ADVICE = join(import.meta.dirname, '..', 'fixtures', 'advice');
const SUITE = join(import.meta.dirname, '..', 'fixtures', 'diagnosis');
const worlds = [
  ...readdirSync(ADVICE).map((f) => join(ADVICE, f)),
  ...readdirSync(SUITE).map((f) => join(SUITE, f)),
].filter((f) => f.endsWith('.yaml'));

const outcomes = new Map<string, { runs?: number; apps: number; error?: unknown }>();

async function runWorld(file: string): Promise<void> {
  const apps = loadScenario(file).argocd.flatMap((i) => i.applications.map((a) => a.metadata.name));
  const world = await startFaultWorld(file);
  try {
    outcomes.set(file, { apps: apps.length, runs: await checkUnderFaults(world, apps) });
  } catch (error) {
    outcomes.set(file, { apps: apps.length, error });
  } finally {
    await world.stop();
  }
}

beforeAll(async () => {
  const queue = [...worlds];
  await Promise.all(
    [1, 2, 3, 4, 5].map(async () => {
      for (let f = queue.shift(); f; f = queue.shift()) await runWorld(f);
    }),
  );
}, 600_000);

describe('diagnosis under faults', () => {
  it.each(worlds.map((w) => [w.split('/').slice(-2).join('/'), w] as const))(
    '%s: the same root cause or none, never another',
    (_name, file) => {
      const o = outcomes.get(file);
      if (o?.error) throw o.error;
      expect(o?.runs).toBe((o?.apps ?? -1) * 6);
    },
  );
});
