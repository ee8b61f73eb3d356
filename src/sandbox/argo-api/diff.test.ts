import { describe, expect, it } from 'vitest';
import { compare } from './diff.ts';

const service = (ports: unknown[]) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { selector: { app: 'web' }, ports },
});

describe('the sandbox decides drift as Argo CD does', () => {
  it('does not call a default the API server filled in drift', () => {
    const live = {
      ...service([{ port: 80, targetPort: 80, protocol: 'TCP' }]),
      spec: {
        ...service([]).spec,
        ports: [{ port: 80, targetPort: 80, protocol: 'TCP' }],
        type: 'ClusterIP',
        clusterIP: '10.0.0.7',
        sessionAffinity: 'None',
      },
      status: { loadBalancer: {} },
    };
    expect(compare(live, service([{ port: 80 }])).modified).toBe(false);
  });

  it('calls a field Git sets differently drift, and ignores what Git does not set', () => {
    const live = {
      ...service([{ port: 80 }]),
      metadata: { name: 'web', namespace: 'shop', labels: { extra: 'x' } },
    };
    expect(compare(live, service([{ port: 80 }])).modified).toBe(false);
    expect(compare(live, service([{ port: 8080 }])).modified).toBe(true);
  });

  it("drops the API server's fields from a StatefulSet's claim templates first", () => {
    const claim = {
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    };
    const sts = (templates: unknown[]) => ({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'db' },
      spec: { serviceName: 'db', volumeClaimTemplates: templates },
    });
    const live = sts([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        ...claim,
        spec: { ...claim.spec, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ]);
    expect(compare(live, sts([claim])).modified).toBe(false);
  });

  it('calls a resource missing in the cluster modified, and one Git lacks not (it is to be pruned)', () => {
    // gitops-engine pkg/diff/diff.go: live nil → Modified true; config nil → Modified false.
    expect(compare(undefined, service([])).modified).toBe(true);
    expect(compare(service([]), undefined).modified).toBe(false);
  });
});
