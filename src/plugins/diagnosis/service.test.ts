import { describe, expect, it } from 'vitest';
import type { ResolvedApp } from '../argocd/index.ts';
import type { AppCollector } from '../k8s/index.ts';
import type { Diagnosis } from './engine/types.ts';
import { DiagnosisService, type FixPlanner } from './service.ts';

const app = { ref: 'naver-news' } as ResolvedApp;
const diagnosis = (): Diagnosis => ({
  app: 'naver-news',
  sync: 'Synced',
  health: 'Degraded',
  findings: [],
  incomplete: [],
  unassessed: [],
  withheld: [],
});

/** A planner whose Git host never answers; it notes whether it was told to stop. */
function hangingPlanner(): FixPlanner & { stopped: () => boolean } {
  let signal: AbortSignal | undefined;
  const hang = (s?: AbortSignal) => {
    signal = s;
    return new Promise<never>((_, reject) =>
      s?.addEventListener('abort', () => reject(new Error('stopped')), { once: true }),
    );
  };
  return {
    breakingCommit: (_r, _w, s) => hang(s),
    preview: (_r, _i, s) => hang(s),
    stopped: () => signal?.aborted === true,
  };
}

const service = (planner: FixPlanner, gitBudgetMs: number) =>
  new DiagnosisService({
    collector: {} as AppCollector,
    clock: { now: () => 0 } as never,
    planner,
    gitBudgetMs,
  });

describe('planning a fix against a Git host that does not answer', () => {
  it('withholds the fix at the budget, says what could not be seen, and stops the Git work', async () => {
    const planner = hangingPlanner();
    const d = diagnosis();
    const planned = await service(planner, 30).plan(
      app,
      { intent: 'revert', params: { upTo: 'a1b2c3d' } },
      d,
    );
    expect(planned.withheld).toMatch(
      /the Git host could not be read \(the Git host did not answer within 0\.03 s\)/,
    );
    expect(d.incomplete).toEqual(['git: the Git host did not answer within 0.03 s']);
    expect(planner.stopped()).toBe(true);
  });

  it('stops the Git work when the command that asked is stopped', async () => {
    const planner = hangingPlanner();
    const asked = new AbortController();
    const pending = service(planner, 60_000).plan(
      app,
      { intent: 'replicas', params: { replicas: 2 } },
      diagnosis(),
      asked.signal,
    );
    asked.abort();
    expect((await pending).withheld).toBeDefined();
    expect(planner.stopped()).toBe(true);
  });

  it('stops what is left running once the plan has its answer', async () => {
    let signal: AbortSignal | undefined;
    const planner: FixPlanner = {
      breakingCommit: async () => undefined,
      preview: async (_r, _i, s) => {
        signal = s;
        return {
          summary: ['scale naver-news to 2'],
          diff: '',
          files: ['k8s/apps/naver-news/deployment.yaml'],
        };
      },
    };
    const planned = await service(planner, 60_000).plan(
      app,
      { intent: 'replicas', params: { replicas: 2 } },
      diagnosis(),
    );
    expect(planned.preview?.files).toEqual(['k8s/apps/naver-news/deployment.yaml']);
    expect(signal?.aborted).toBe(true);
  });
});
