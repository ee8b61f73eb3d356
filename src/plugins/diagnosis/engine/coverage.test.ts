import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.ts';
import { scenarios } from './fixtures/scenarios/index.ts';
import { categories } from './types.ts';

const all = Object.entries(scenarios).map(([name, make]) => ({ name, d: diagnose(make()) }));

describe('every scenario', () => {
  it('there are at least 20 of them', () => {
    expect(all.length).toBeGreaterThanOrEqual(20);
  });

  it.each([...categories])('%s is found by at least one scenario', (category) => {
    expect(
      all.filter(({ d }) => d.findings.some((f) => f.category === category)).map(({ name }) => name),
    ).not.toEqual([]);
  });

  it.each(all.map(({ name, d }) => [name, d] as const))(
    '%s: public shape only, a root cause among the findings',
    (_, d) => {
      for (const f of d.findings) {
        expect(Object.keys(f).sort()).toEqual(
          [
            'basis',
            'category',
            'confidence',
            'evidence',
            'resource',
            'severity',
            'summary',
            ...(f.fix ? ['fix'] : []),
          ].sort(),
        );
        expect(categories).toContain(f.category);
        expect(f.evidence.length).toBeGreaterThan(0);
        for (const line of f.evidence) expect(line.length).toBeLessThanOrEqual(300);
        if (f.fix) expect(['image', 'resources', 'replicas', 'restart', 'revert']).toContain(f.fix.intent);
      }
      // A root cause is named when the picture is complete; with a failure mode unchecked it may not be.
      if (d.findings.length && !d.unassessed.length) expect(d.rootCause).toBe(d.findings[0]);
      else if (d.rootCause) expect(d.rootCause).toBe(d.findings[0]);
      if (!d.findings.length) expect(d.rootCause).toBeUndefined();
      expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    },
  );

  it('one finding per workload, container and category', () => {
    for (const { d } of all) {
      const keys = d.findings.map(
        (f) =>
          `${f.category}|${f.resource.kind}/${f.resource.namespace}/${f.resource.name}|${f.resource.container}`,
      );
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('a rule that trips over a malformed object costs only itself, and says so', () => {
    const broken = scenarios.oomCrashLoop?.() ?? expect.unreachable();
    broken.jobs = [{ status: { conditions: [null] } } as never];
    const d = diagnose(broken);
    expect(d.rootCause?.category).toBe('OOMKilled');
    // The quota and job rules both read Job conditions; every other rule still ran.
    expect(d.gaps).toEqual([
      expect.stringMatching(/^rule quota could not read this app /),
      expect.stringMatching(/^rule job could not read this app /),
    ]);
    expect(d.findings.map((f) => f.category)).toEqual(['OOMKilled', 'CrashLoopBackOff']);
  });
});
