/**
 * Diagnoses under faults, through the whole stack: the shop monorepo and every world of the
 * diagnosis suite, each app diagnosed once with everything answering and then with Argo CD, the
 * cluster and the Git host each slow beyond the bot's deadline and each failing half its
 * requests. The root cause is the same as without the fault, or absent with what could not be
 * read said — never a different one (test/support/fault-runs.ts).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/sandbox/scenario.ts';
import { checkUnderFaults, startFaultWorld } from '../support/fault-runs.ts';

const ADVICE = join(import.meta.dirname, '..', 'fixtures', 'advice');
const SUITE = join(import.meta.dirname, '..', 'fixtures', 'diagnosis');
const worlds = [
  ...readdirSync(ADVICE).map((f) => join(ADVICE, f)),
  ...readdirSync(SUITE).map((f) => join(SUITE, f)),
].filter((f) => f.endsWith('.yaml'));

describe('diagnosis under faults', () => {
  it.each(worlds.map((w) => [w.split('/').slice(-2).join('/'), w] as const))(
    '%s: the same root cause or none, never another',
    async (_name, file) => {
      const apps = loadScenario(file).argocd.flatMap((i) => i.applications.map((a) => a.metadata.name));
      const world = await startFaultWorld(file);
      try {
        expect(await checkUnderFaults(world, apps)).toBe(apps.length * 6);
      } finally {
        await world.stop();
      }
    },
    120_000,
  );
});
