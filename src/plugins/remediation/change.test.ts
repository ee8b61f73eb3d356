import { describe, expect, it } from 'vitest';
import type { Finding } from '../diagnosis/index.ts';
import { ActionSchema } from './config.ts';
import { planChange, type Workload } from './change.ts';

const NOW = Date.parse('2026-11-24T10:00:00Z');

const oom: Finding = {
  category: 'OOMKilled',
  severity: 'critical',
  confidence: 'high',
  basis: [],
  resource: { kind: 'Deployment', namespace: 'naver-news', name: 'naver-news', container: 'naver-news' },
  summary: 'container naver-news exceeded its 512Mi memory limit',
  evidence: ['lastState: OOMKilled (exit 137)'],
  fix: { intent: 'resources', params: { container: 'naver-news', limits: { memory: '1Gi' } } },
};

const deployment = (
  limits: Record<string, string>,
  requests: Record<string, string> = {},
  replicas?: number,
): Workload => ({
  kind: 'Deployment',
  spec: {
    ...(replicas === undefined ? {} : { replicas }),
    template: {
      spec: {
        containers: [
          { name: 'sidecar', resources: { limits: { memory: '64Mi' } } },
          { name: 'naver-news', resources: { limits, requests } },
        ],
      },
    },
  },
});

const plan = (action: unknown, w: Workload | undefined, f: Finding = oom) =>
  planChange(ActionSchema.parse(action), f, w, NOW);

describe('the change a rule computes', () => {
  it('raises the memory limit by the factor, in the unit the manifest uses', () => {
    expect(plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, deployment({ memory: '512Mi' }))).toEqual({
      ok: true,
      intent: { kind: 'resources', container: 'naver-news', limits: { memory: '768Mi' } },
      what: 'raise the memory limit of container naver-news from 512Mi to 768Mi',
      short: 'memory limit 768Mi',
    });
    const r = plan({ kind: 'resources', factor: 1.5, max: '4Gi' }, deployment({ memory: '1Gi' }));
    expect(r.ok && r.intent).toMatchObject({ limits: { memory: '1536Mi' } });
  });

  it('adds a step, caps at the max, and stops at the max', () => {
    const step = plan({ kind: 'resources', step: '256Mi', max: '2Gi' }, deployment({ memory: '768Mi' }));
    expect(step.ok && step.intent).toMatchObject({ limits: { memory: '1Gi' } });
    const capped = plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, deployment({ memory: '1536Mi' }));
    expect(capped).toMatchObject({
      ok: true,
      intent: { limits: { memory: '2Gi' } },
      what: "raise the memory limit of container naver-news from 1536Mi to 2Gi (capped at the rule's maximum)",
    });
    expect(plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, deployment({ memory: '2Gi' }))).toEqual({
      ok: false,
      why: "the memory limit of container naver-news is already 2Gi, the rule's maximum is 2Gi",
    });
    expect(plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, deployment({ memory: '3Gi' })).ok).toBe(
      false,
    );
  });

  it('raises requests along with limits when asked, never above the new limit', () => {
    const r = plan(
      { kind: 'resources', factor: 2, max: '1Gi', requests: true },
      deployment({ memory: '512Mi' }, { memory: '384Mi' }),
    );
    expect(r).toMatchObject({
      ok: true,
      intent: { limits: { memory: '1Gi' }, requests: { memory: '768Mi' } },
      what: 'raise the memory limit of container naver-news from 512Mi to 1Gi and its request from 384Mi to 768Mi',
    });
    const high = plan(
      { kind: 'resources', factor: 2, max: '1Gi', requests: true },
      deployment({ memory: '768Mi' }, { memory: '700Mi' }),
    );
    expect(high.ok && high.intent).toMatchObject({ limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  });

  it('raises cpu in millicores', () => {
    const r = plan(
      { kind: 'resources', resource: 'cpu', factor: 1.5, max: '2' },
      deployment({ cpu: '500m' }),
    );
    expect(r.ok && r.intent).toMatchObject({ limits: { cpu: '750m' } });
  });

  it('reads the limit from the diagnosis when the workload cannot be read, and stops without any limit', () => {
    const r = plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, undefined);
    expect(r.ok && r.intent).toMatchObject({ limits: { memory: '768Mi' } });
    expect(plan({ kind: 'resources', factor: 1.5, max: '2Gi' }, deployment({}))).toEqual({
      ok: false,
      why: 'container naver-news has no memory limit to raise',
    });
  });

  it('steps replicas within min and max', () => {
    const up = { kind: 'replicas', step: 2, max: 5 };
    expect(plan(up, deployment({}, {}, 2))).toMatchObject({
      ok: true,
      intent: { kind: 'replicas', replicas: 4 },
    });
    expect(plan(up, deployment({}, {}, 4))).toMatchObject({ ok: true, intent: { replicas: 5 } });
    expect(plan(up, deployment({}, {}, 5))).toEqual({
      ok: false,
      why: "naver-news runs 5 replicas; the rule's maximum is 5",
    });
    // Above the max already: a rule that scales up never scales down.
    expect(plan(up, deployment({}, {}, 8)).ok).toBe(false);
    const down = { kind: 'replicas', step: -1, min: 2, max: 5 };
    expect(plan(down, deployment({}, {}, 3))).toMatchObject({ ok: true, intent: { replicas: 2 } });
    expect(plan(down, deployment({}, {}, 2)).ok).toBe(false);
    // No replicas field: Kubernetes' default of one.
    expect(plan(up, deployment({}))).toMatchObject({ ok: true, intent: { replicas: 3 } });
    expect(plan(up, undefined).ok).toBe(false);
  });

  it('restarts through Git, stamped with the time', () => {
    expect(plan({ kind: 'restart' }, undefined)).toMatchObject({
      ok: true,
      intent: { kind: 'restart', at: '2026-11-24T10:00:00.000Z' },
    });
  });

  it('reverts the image to the one that ran before, from the fix or the evidence', () => {
    const pull: Finding = {
      ...oom,
      category: 'ImagePullError',
      summary: 'cannot pull master-bad',
      evidence: ['previous image: ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1'],
      fix: {
        intent: 'image',
        params: { container: 'naver-news', image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1' },
      },
    };
    expect(plan({ kind: 'image-revert' }, undefined, pull)).toEqual({
      ok: true,
      intent: {
        kind: 'image',
        image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1',
        container: 'naver-news',
      },
      what: 'put container naver-news back on ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1, the image that ran before',
      short: 'image naver-news-spring:master-3f9c2e1',
    });
    const { fix: _fix, ...noFix } = pull;
    expect(plan({ kind: 'image-revert' }, undefined, noFix)).toMatchObject({
      ok: true,
      intent: { image: 'ghcr.io/sijunkim/naver-news-spring:master-3f9c2e1' },
    });
    expect(plan({ kind: 'image-revert' }, undefined, { ...noFix, evidence: [] })).toEqual({
      ok: false,
      why: 'no earlier image of container naver-news is known to have run',
    });
  });
});
