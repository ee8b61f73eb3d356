/**
 * Diagnoses under faults: the same apps diagnosed with Argo CD, the cluster and the Git host each
 * slow beyond the bot's deadline, then each failing half of its requests (a seeded sequence, so a
 * run repeats). The rule they must keep: the root cause is the one the complete picture names, or
 * none — with what could not be read said — never another; a fix, when one is offered, is the same.
 */
import { expect } from 'vitest';
import { dataOf, startSandboxBot, type SandboxBot } from './sandbox-bot.ts';

/** Deadlines short enough that "slow" costs a test little, long enough for a loaded machine. */
export const DEADLINE_MS = 1_000;

export const FAULTS = (world: SandboxBot) => {
  const argocd = world.run.sandbox.targets().filter((t) => t.startsWith('argocd/'));
  const clusters = world.run.sandbox.targets().filter((t) => t.startsWith('cluster/'));
  return [
    { name: 'Argo CD slow', targets: argocd, faults: { latencyMs: 2 * DEADLINE_MS + 500 } },
    { name: 'Argo CD failing half its requests', targets: argocd, faults: { errorRate: 0.5, seed: 7 } },
    { name: 'Kubernetes slow', targets: clusters, faults: { latencyMs: 2 * DEADLINE_MS + 500 } },
    { name: 'Kubernetes failing half its requests', targets: clusters, faults: { errorRate: 0.5, seed: 11 } },
    { name: 'Git host slow', targets: ['git'], faults: { latencyMs: 2 * DEADLINE_MS + 500 } },
    { name: 'Git host failing half its requests', targets: ['git'], faults: { errorRate: 0.5, seed: 13 } },
  ];
};

/** A sandbox world whose bot gives every backend DEADLINE_MS. */
export function startFaultWorld(scenario?: string): Promise<SandboxBot> {
  return startSandboxBot({
    scenario,
    overrides: (cfg) => {
      for (const i of cfg.plugins.argocd?.instances ?? []) i.timeoutMs = DEADLINE_MS;
      for (const c of cfg.plugins.k8s?.clusters ?? []) c.timeoutMs = DEADLINE_MS;
      for (const h of cfg.plugins.gitops?.hosts ?? []) h.timeoutMs = DEADLINE_MS;
    },
  });
}

export interface Answer {
  ok: boolean;
  root?: string;
  fix?: unknown;
  incomplete: string[];
  error?: string;
}

export async function diagnoseAll(world: SandboxBot, apps: string[]): Promise<Map<string, Answer>> {
  const out = new Map<string, Answer>();
  await Promise.all(
    apps.map(async (app) => {
      const r = await world.exec(`/diagnose ${app}`);
      const data = dataOf(r);
      out.set(app, {
        ok: r.ok,
        root: data.diagnosis?.rootCause?.category,
        fix: data.fix?.intent,
        incomplete: data.diagnosis?.incomplete ?? [],
        error: data.error?.code,
      });
    }),
  );
  return out;
}

/** The rule, for one app: same root cause (and fix), or none with the gap said, or a backend error. */
export function expectSameOrAbsent(app: string, fault: string, base: Answer, got: Answer): void {
  const where = `${app} with ${fault}`;
  if (!got.ok) {
    // No answer at all is honest when the backend it needs did not answer.
    expect(got.error, where).toMatch(/^DECK_UPSTREAM_/);
    return;
  }
  if (got.root !== undefined) expect(got.root, where).toBe(base.root);
  else if (base.root !== undefined)
    expect(got.incomplete.length, `${where}: no root cause, and no gap said`).toBeGreaterThan(0);
  if (got.fix !== undefined) expect(got.fix, where).toEqual(base.fix);
}

/** Diagnose every app once without faults, then once under each fault, and check the rule. */
export async function checkUnderFaults(world: SandboxBot, apps: string[]): Promise<number> {
  // The first Kubernetes read loads its client (seconds): not a fault, so it happens before.
  await world.exec(`/diagnose ${apps[0]}`);
  // The picture without faults must be complete; on a machine busy with other tests a read may
  // miss the deadline (1 s here), so the baseline of an app that came back incomplete is taken
  // again (only that app's: another may miss it the next time) before it counts as a failure.
  // Three tries were not enough once on CI's two busy cores: up to eight, a moment apart.
  const base = new Map<string, Answer>();
  for (let attempt = 0; attempt < 8; attempt++) {
    if (attempt) await new Promise((r) => setTimeout(r, 100 * attempt));
    for (const app of apps) {
      if (base.get(app)?.incomplete.length === 0) continue;
      for (const [k, v] of await diagnoseAll(world, [app])) base.set(k, v);
    }
    if ([...base.values()].every((a) => a.incomplete.length === 0)) break;
  }
  for (const [app, a] of base) expect(a.incomplete, `${app} without faults`).toEqual([]);
  let runs = 0;
  for (const f of FAULTS(world)) {
    for (const t of f.targets) await world.run.sandbox.setFaults(t, f.faults);
    try {
      const got = await diagnoseAll(world, apps);
      for (const app of apps)
        expectSameOrAbsent(app, f.name, base.get(app) as Answer, got.get(app) as Answer);
      runs += apps.length;
    } finally {
      for (const t of f.targets) await world.run.sandbox.setFaults(t, { latencyMs: 0, errorRate: 0 });
    }
  }
  return runs;
}
