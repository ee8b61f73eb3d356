import { describe, expect, it } from 'vitest';
import { diagnose, summarize } from './diagnose.ts';
import { REV } from './fixtures/argo.ts';
import * as c from './fixtures/scenarios/cluster.ts';
import * as n from './fixtures/scenarios/nodes.ts';
import * as a from './fixtures/scenarios/argo.ts';

const service = { kind: 'Service', namespace: 'prod', name: 'naver-news' };
const application = { kind: 'Application', namespace: 'argocd', name: 'naver-news' };

describe('around the workload', () => {
  it('a healthy app has no findings and says so in one line', () => {
    const d = diagnose(c.healthy());
    expect(d).toEqual({
      app: 'naver-news',
      sync: 'Synced',
      health: 'Healthy',
      findings: [],
      incomplete: [],
      unassessed: [],
      withheld: [],
    });
    expect(summarize(d)).toBe('naver-news: no problem found (Synced, Healthy)');
  });

  it('a Service whose selector matches no pod is a root cause (Argo CD calls it Healthy)', () => {
    const d = diagnose(c.selectorMismatch());
    expect(d.health).toBe('Healthy');
    expect(d.rootCause).toMatchObject({
      category: 'ServiceNoEndpoints',
      severity: 'critical',
      resource: service,
    });
    expect(d.rootCause?.evidence).toEqual([
      'selector: app=naver-news-api',
      'pod labels: app=naver-news',
      'Endpoints naver-news: no addresses',
    ]);
    expect(d.rootCause?.fix).toBeUndefined();
  });

  it('a Service emptied by failing readiness probes is their consequence; the probes are the cause', () => {
    const d = diagnose(c.readinessFails());
    expect(d.findings.map((f) => f.category)).toEqual(['ProbeFailure', 'ServiceNoEndpoints']);
    expect(d.rootCause).toMatchObject({
      severity: 'critical',
      resource: { kind: 'Deployment', name: 'naver-news', container: 'app' },
    });
    expect(d.rootCause?.evidence[0]).toBe(
      'Readiness probe failed: HTTP probe failed with statuscode: 503 (x40 over 10m)',
    );
    // Every replica fails: the app or a dependency is at fault, a restart would change nothing.
    expect(d.rootCause?.fix).toBeUndefined();
    expect(d.findings[1]?.evidence).toContain('Endpoints naver-news: 0 ready, 2 not ready addresses');
  });

  it('a claim for a missing StorageClass explains the pod that cannot be scheduled', () => {
    const d = diagnose(c.pvcPending());
    expect(d.findings.map((f) => f.category)).toEqual(['VolumePending', 'Unschedulable']);
    expect(d.rootCause).toMatchObject({
      resource: { kind: 'PersistentVolumeClaim', namespace: 'prod', name: 'data-naver-news' },
    });
    expect(d.rootCause?.evidence).toContain(
      'storageclass.storage.k8s.io "fast-ssd" not found (x81 over 20m)',
    );
    expect(d.findings[1]?.summary).toMatch(
      /pod has unbound immediate PersistentVolumeClaims.*a consequence of VolumePending$/,
    );
  });

  it('evictions for memory ask for a request near what the container really used', () => {
    const d = diagnose(n.evictedForMemory());
    expect(d.findings).toHaveLength(1);
    expect(d.rootCause).toMatchObject({
      category: 'Evicted',
      severity: 'warning',
      summary: 'evicted because node worker-2 ran low on memory (2 pods)',
      fix: { intent: 'resources', params: { container: 'app', requests: { memory: '1536Mi' } } },
    });
    expect(d.rootCause?.evidence[0]).toContain('Container app was using 1432Mi, request is 256Mi');
  });

  it('a node that stopped reporting is named, as infrastructure, with the app pod it strands', () => {
    const d = diagnose(n.nodeDown());
    expect(d.rootCause).toMatchObject({
      category: 'NodeNotReady',
      severity: 'critical',
      resource: { kind: 'Node', name: 'worker-3' },
    });
    expect(d.rootCause?.evidence).toContain(
      'Node Ready=Unknown NodeStatusUnknown: Kubelet stopped posting node status.',
    );
    expect(d.rootCause?.evidence).toContain('naver-news-7d9c8b6f5-n0d3x: Node is not ready (6m ago)');
    expect(d.rootCause?.fix).toBeUndefined();
  });

  it('a Job that ran out of memory: OOMKilled explains JobFailed', () => {
    const d = diagnose(n.jobOom());
    expect(d.findings.map((f) => f.category)).toEqual(['OOMKilled', 'JobFailed']);
    expect(d.rootCause).toMatchObject({
      resource: { kind: 'Job', namespace: 'prod', name: 'news-report-29114820', container: 'report' },
      fix: { intent: 'resources', params: { container: 'report', limits: { memory: '512Mi' } } },
    });
    expect(d.findings[1]?.evidence[0]).toBe(
      'Job Failed=True BackoffLimitExceeded: Job has reached the specified backoff limit',
    );
  });

  it('pods it may not read: reads Argo CD’s resource tree, names no root cause the pods might contradict', () => {
    const d = diagnose(c.podsForbidden());
    expect(d.findings.map((f) => f.category)).toEqual(['CrashLoopBackOff']);
    expect(d.findings[0]).toMatchObject({
      resource: { kind: 'Deployment', namespace: 'prod', name: 'naver-news', container: 'app' },
      confidence: 'medium',
    });
    expect(d.findings[0]?.evidence[0]).toMatch(
      /^Argo CD resource tree .*back-off 5m0s restarting failed container=app/,
    );
    // An OOM kill (unseen: pods could not be read) would explain the crash loop: no root cause.
    expect(d.rootCause).toBeUndefined();
    expect(d.unassessed).toContainEqual({ category: 'OOMKilled', missing: ['Kubernetes pods'] });
    expect(d.incomplete).toEqual([expect.stringMatching(/^kubernetes:pods\/prod: pods is forbidden/)]);
  });

  it('an empty snapshot with only gaps says the picture is partial', () => {
    const s = c.healthy();
    const d = diagnose({
      ...s,
      pods: [],
      deployments: [],
      replicaSets: [],
      gaps: [{ source: 'cluster', message: 'no configured cluster' }],
    });
    expect(d.findings).toEqual([]);
    expect(summarize(d)).toBe(
      'naver-news: no problem found in what could be read (1 source could not be read) (Synced, Healthy)',
    );
  });
});

describe('Argo CD', () => {
  it('a failed sync naming a missing namespace outranks OutOfSync and reverts the newest commit', () => {
    const d = diagnose(a.syncMissingNamespace());
    expect(d.findings.map((f) => f.category)).toEqual(['SyncFailed', 'OutOfSync']);
    expect(d.rootCause).toMatchObject({
      resource: application,
      summary: 'sync to 9f8e7d6 failed: namespaces "payments" not found',
      fix: { intent: 'revert', params: { upTo: REV.bad, after: REV.good } },
    });
    expect(d.rootCause?.evidence).toContain(
      'Deployment payments/naver-news: namespaces "payments" not found',
    );
    expect(d.findings[1]?.fix).toBeUndefined();
  });

  it('an immutable selector: the summary drops the quoted value, the fix reverts the newest commit', () => {
    const d = diagnose(a.syncImmutableSelector());
    expect(d.rootCause?.summary).toBe(
      'sync to 9f8e7d6 failed: Deployment.apps "naver-news" is invalid: spec.selector: Invalid value: …: field is immutable',
    );
    expect(d.rootCause?.fix).toMatchObject({ intent: 'revert', params: { upTo: REV.bad, after: REV.good } });
  });

  it('a failed PreSync hook Job is the cause of the failed sync and carries the revert', () => {
    const d = diagnose(a.hookJobFails());
    expect(d.findings.map((f) => f.category)).toEqual(['JobFailed', 'SyncFailed', 'OutOfSync']);
    expect(d.rootCause).toMatchObject({
      resource: { kind: 'Job', name: 'naver-news-db-migrate' },
      fix: { intent: 'revert', params: { upTo: REV.bad, after: REV.good } },
    });
    expect(d.rootCause?.evidence).toContain('log: ERROR: relation "news_tags" already exists');
    expect(d.findings[1]?.summary).toMatch(/a consequence of JobFailed$/);
  });

  it('drift with auto-sync off: no Git intent, argo sync restores Git', () => {
    const d = diagnose(a.manualDrift());
    expect(d.rootCause).toMatchObject({ category: 'OutOfSync', severity: 'warning', resource: application });
    expect(d.rootCause?.summary).toBe(
      "1 resource differs from Git; auto-sync is off: argo sync restores Git's state",
    );
    expect(d.rootCause?.evidence).toEqual([
      'Deployment prod/naver-news: differs from Git',
      'sync policy: manual',
    ]);
    expect(d.rootCause?.fix).toBeUndefined();
  });
});
