import { describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.ts';
import { REV } from './fixtures/argo.ts';
import { NOW } from './fixtures/k8s.ts';
import { IMAGE } from './fixtures/world.ts';
import * as c from './fixtures/scenarios/capacity.ts';
import * as s from './fixtures/scenarios/containers.ts';
import * as r from './fixtures/scenarios/rollout.ts';

const deployment = { kind: 'Deployment', namespace: 'prod', name: 'naver-news' };

describe('rollouts and capacity', () => {
  it('bad tag: ImagePullBackOff is the root cause, the missed progress deadline its consequence, fix the previous tag', () => {
    const d = diagnose(r.badTag());
    expect(d.findings.map((f) => f.category)).toEqual(['ImagePullError', 'ProgressDeadlineExceeded']);
    expect(d.rootCause).toMatchObject({
      resource: { ...deployment, container: 'app' },
      fix: { intent: 'image', params: { container: 'app', image: IMAGE.good } },
    });
    expect(d.rootCause?.summary).toContain(
      'cannot pull ghcr.io/sijunkim/naver-news:master-deadbee: the tag does not exist',
    );
    expect(d.rootCause?.evidence).toContain(
      'Back-off pulling image "ghcr.io/sijunkim/naver-news:master-deadbee" (x58 over 14m)',
    );
    expect(d.findings[1]?.evidence[0]).toBe(
      'Deployment Progressing=False ProgressDeadlineExceeded: ReplicaSet "naver-news-5f6d7c8b9" has timed out progressing.',
    );
    expect(d.findings[1]?.fix).toBeUndefined();
  });

  it('bad tag without ReplicaSets: reverts the newest deployed commit', () => {
    const d = diagnose(r.badTag({ withReplicaSets: false }));
    // The window the service asks Git about: the deployed revision, after the one before it.
    expect(d.rootCause?.fix).toEqual({ intent: 'revert', params: { upTo: REV.bad, after: REV.good } });
  });

  it('a registry that answers 401 gets no Git fix: credentials are not in the commit', () => {
    const d = diagnose(r.registryDenied());
    expect(d.rootCause?.summary).toContain('the registry refused access (check imagePullSecrets)');
    expect(d.rootCause?.fix).toBeUndefined();
  });

  it('unschedulable after a requests bump: back to the request that fits', () => {
    const d = diagnose(r.tooBigRequest());
    expect(d.rootCause).toMatchObject({
      category: 'Unschedulable',
      summary: 'no node can run the pod: Insufficient memory on 3 of 3 nodes (1 of 3 pods)',
      fix: { intent: 'resources', params: { container: 'app', requests: { memory: '2Gi' } } },
    });
    expect(d.rootCause?.evidence[0]).toMatch(
      /^0\/3 nodes are available: 3 Insufficient memory\. .* \(x7 over 5m\)$/,
    );
  });

  it('unschedulable after scaling up: as many replicas as run, the most common reason first', () => {
    const d = diagnose(r.scaleBeyondCapacity());
    expect(d.rootCause?.summary).toBe(
      'no node can run the pod: Insufficient cpu on 2 of 3 nodes (2 of 5 pods)',
    );
    expect(d.rootCause?.fix).toEqual({ intent: 'replicas', params: { replicas: 3 } });
  });

  it('quota: the ReplicaSet event is the evidence, the replicas that fit are the fix', () => {
    const d = diagnose(c.quotaFull());
    expect(d.findings.map((f) => f.category)).toEqual(['QuotaExceeded', 'ProgressDeadlineExceeded']);
    expect(d.rootCause).toMatchObject({
      resource: deployment,
      summary:
        'pods cannot be created: ResourceQuota compute-quota has no room for limits.memory=1Gi (used 3584Mi of 4Gi)',
      fix: { intent: 'replicas', params: { replicas: 3 } },
    });
    expect(d.rootCause?.evidence).toContain(
      'ResourceQuota compute-quota used/hard: limits.memory 3584Mi/4Gi, pods 3/20',
    );
  });

  it('an HPA pinned at maxReplicas (which Argo CD calls Healthy) asks for what its own formula wants', () => {
    const d = diagnose(c.hpaAtMax());
    expect(d.rootCause).toMatchObject({
      category: 'AutoscalerLimited',
      severity: 'warning',
      resource: { kind: 'HorizontalPodAutoscaler', namespace: 'prod', name: 'naver-news' },
      fix: { intent: 'replicas', params: { hpa: 'naver-news', maxReplicas: 18 } },
    });
    expect(d.rootCause?.evidence).toContain('cpu at 126% of requests (target 70%)');
  });

  it('ages follow the clock it is given', () => {
    const later = diagnose(s.oomCrashLoop(), { now: NOW + 40 * 60_000 });
    expect(later.rootCause?.evidence[1]).toMatch(/\(x14 over 60m\)$/);
  });
});
