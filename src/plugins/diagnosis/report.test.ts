import { describe, expect, it } from 'vitest';
import type { Diagnosis } from './engine/types.ts';
import { diagnosisMessage } from './report.ts';

const text = (d: Diagnosis) => {
  const m = diagnosisMessage('naver-news', d);
  return [m.text, ...(m.blocks ?? []).map((b) => JSON.stringify(b))].join('\n');
};

describe('diagnosisMessage: the limits of an answer', () => {
  // The cluster did not answer; Argo CD's tree still shows the crash loop.
  const partial: Diagnosis = {
    app: 'naver-news',
    sync: 'Synced',
    health: 'Degraded',
    findings: [
      {
        category: 'CrashLoopBackOff',
        severity: 'critical',
        resource: { kind: 'Deployment', namespace: 'naver-news', name: 'naver-news' },
        summary: 'container naver-news keeps crashing (from Argo CD; pod details could not be read)',
        evidence: [],
        confidence: 'medium',
        basis: ['argocd:application', 'argocd:tree'],
      },
    ],
    incomplete: ['kubernetes:pods/naver-news: Kubernetes (in-cluster) did not answer within 5 s'],
    unassessed: [
      { category: 'OOMKilled', missing: ['Kubernetes pods'] },
      { category: 'CrashLoopBackOff', missing: ['Kubernetes pods'] },
    ],
    withheld: [],
  };

  it('says what could not be seen, and lists as unchecked only what nothing else found', () => {
    const t = text(partial);
    expect(t).toContain('Could not see');
    expect(t).toContain('did not answer within 5 s');
    expect(t).toMatch(/Not checked for lack of data: OOMKilled"/);
  });

  it('says nothing of limits when the picture is complete', () => {
    const t = text({ ...partial, incomplete: [], unassessed: [] });
    expect(t).not.toMatch(/Could not see|Not checked/);
  });
});
