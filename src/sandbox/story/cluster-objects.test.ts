import { describe, expect, it } from 'vitest';
import { resourceHealth } from '../argo-api/health.ts';
import type { Manifest } from '../reconciler/kustomize.ts';
import { applied, customResourceDefinition, operatedResource } from './applied.ts';
import { node } from './cluster.ts';
import { daemonSet } from './daemonsets.ts';
import { claim, storageClass } from './storage.ts';
import { StoryWorld, type Obj } from './world.ts';

const world = () => new StoryWorld('applied', Date.parse('2026-08-24T10:00:00Z'));
const of = (w: StoryWorld, kind: string) => w.objects.filter((o) => o.kind === kind);

const exporter: Manifest = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: {
    name: 'node-exporter',
    namespace: 'monitoring',
    labels: { 'app.kubernetes.io/instance': 'kps' },
  },
  spec: {
    selector: { matchLabels: { app: 'node-exporter' } },
    template: {
      metadata: { labels: { app: 'node-exporter' } },
      spec: {
        hostNetwork: true,
        serviceAccountName: 'node-exporter',
        containers: [
          {
            name: 'node-exporter',
            image: 'quay.io/prometheus/node-exporter:v1.9.1',
            ports: [{ name: 'http-metrics', containerPort: 9100 }],
          },
        ],
        tolerations: [{ effect: 'NoSchedule', operator: 'Exists' }],
      },
    },
  },
};

describe('manifests from Git as the cluster stores them', () => {
  it('runs a DaemonSet from its manifest: one pod a node, its template kept in a ControllerRevision', () => {
    const w = world();
    const pods = daemonSet(w, exporter, {
      created: '40d',
      path: 'ds',
      pods: {
        'node-1': { created: '40d', events: [] },
        'node-2': {
          created: '40d',
          events: [],
          state: { is: 'waiting', reason: 'ContainerCreating', pulled: true },
        },
      },
    });
    const [ds] = of(w, 'DaemonSet') as [Obj];
    const [rev] = of(w, 'ControllerRevision') as [Obj];
    expect(ds.metadata.generation).toBe(1);
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, numberReady: 1, numberUnavailable: 1 });
    expect(resourceHealth(ds)?.status).toBe('Progressing');
    expect(rev.metadata.ownerReferences[0].uid).toBe(ds.metadata.uid);
    expect(rev.data.spec.template.spec).toEqual((exporter.spec as Obj).template.spec);
    const hash = rev.metadata.labels['controller.kubernetes.io/hash'];
    expect(rev.metadata.name).toBe(`node-exporter-${hash}`);
    const [first] = pods as [Obj];
    expect(first.metadata.labels).toMatchObject({ app: 'node-exporter', 'controller-revision-hash': hash });
    expect(first.metadata.generateName).toBe('node-exporter-');
    // The API server's defaults, the manifest's own fields, and the host's address on its network.
    expect(first.spec.containers[0]).toMatchObject({
      ports: [{ name: 'http-metrics', containerPort: 9100, protocol: 'TCP' }],
      imagePullPolicy: 'IfNotPresent',
      resources: {},
    });
    expect(first.spec.serviceAccountName).toBe('node-exporter');
    expect(first.spec.tolerations[0]).toEqual({ effect: 'NoSchedule', operator: 'Exists' });
    expect(first.status.podIP).toBe(first.status.hostIP);
    expect(resourceHealth(first)?.status).toBe('Healthy');
    expect(pods.map((p) => p.spec.nodeName)).toEqual(['node-1', 'node-2']);
  });

  it('binds a claim on a node to the hostPath volume local-path made there', () => {
    const w = world();
    storageClass(w, { name: 'local-path', created: '200d', isDefault: true });
    const order = { namespace: 'db', className: 'local-path', size: '10Gi', created: '60d', labels: {} };
    const pvc = claim(w, { ...order, name: 'data-db-0', bound: true, node: 'node-1', provisioned: '59d' });
    claim(w, { ...order, name: 'data-db-1', bound: false });
    const [pv, ...more] = of(w, 'PersistentVolume') as [Obj];
    expect(more).toEqual([]);
    expect(pv.metadata.name).toBe(pvc.spec.volumeName);
    expect(pv.spec.claimRef).toMatchObject({ name: 'data-db-0', namespace: 'db', uid: pvc.metadata.uid });
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['node-1']);
    expect(pvc.metadata.annotations['volume.kubernetes.io/selected-node']).toBe('node-1');
    expect(of(w, 'PersistentVolumeClaim').map((c) => resourceHealth(c)?.status)).toEqual([
      'Healthy',
      'Progressing',
    ]);
    expect(of(w, 'StorageClass')[0]?.metadata.annotations).toEqual({
      'storageclass.kubernetes.io/is-default-class': 'true',
    });
  });

  it('writes the status controllers report for CRDs and operator resources, none for an AppProject or a ConfigMap', () => {
    const w = world();
    const names = {
      kind: 'Prometheus',
      plural: 'prometheuses',
      singular: 'prometheus',
      listKind: 'PrometheusList',
    };
    const crd = customResourceDefinition(
      w,
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'prometheuses.monitoring.coreos.com' },
        spec: { group: 'monitoring.coreos.com', names, versions: [{ name: 'v1', storage: true }] },
      },
      { created: '40d' },
    );
    expect(crd.metadata.namespace).toBeUndefined();
    expect(crd.status.acceptedNames).toEqual(names);
    expect(crd.status.storedVersions).toEqual(['v1']);
    const prom = operatedResource(
      w,
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Prometheus',
        metadata: { name: 'prom', namespace: 'monitoring' },
        spec: { replicas: 1 },
      },
      { created: '40d', generation: 2, reconciled: '18d', available: '18d', selector: 'prometheus=prom' },
    );
    expect(prom.status.conditions.map((c: Obj) => [c.type, c.status, c.observedGeneration])).toEqual([
      ['Available', 'True', 2],
      ['Reconciled', 'True', 2],
    ]);
    expect(prom.status.shardStatuses).toHaveLength(1);
    const project = applied(
      w,
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'p', namespace: 'argocd' },
      },
      { created: '20d' },
    );
    expect(project.metadata).toEqual({
      name: 'p',
      namespace: 'argocd',
      uid: w.uid('AppProject', 'argocd', 'p'),
      generation: 1,
      creationTimestamp: '2026-08-04T10:00:00Z',
    });
    expect(project.status).toBeUndefined();
    // Core kinds have no generation.
    const config = applied(
      w,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x' } },
      { created: '1d' },
    );
    expect(config.metadata.generation).toBeUndefined();
  });

  it('writes a node as its kubelet reports it: its address, role, boot and machine', () => {
    const w = world();
    const order = { cpu: '8', memory: '16Gi', controlPlane: false };
    const first = node(w, {
      ...order,
      name: 'homelab-1',
      ip: '192.168.0.101',
      controlPlane: true,
      booted: '19d',
    });
    const second = node(w, { ...order, name: 'homelab-2' });
    expect(first.status.addresses[0]).toEqual({ type: 'InternalIP', address: '192.168.0.101' });
    expect(w.hostIp('homelab-1')).toBe('192.168.0.101');
    expect(second.status.addresses[0].address).toMatch(/^10\.0\.0\.\d+$/);
    expect(first.metadata.labels).toHaveProperty('node-role.kubernetes.io/control-plane', '');
    expect(second.metadata.labels).not.toHaveProperty('node-role.kubernetes.io/control-plane');
    expect(first.status.conditions.map((c: Obj) => c.lastTransitionTime)).toEqual(
      Array(4).fill('2026-08-05T10:00:00Z'),
    );
    expect(first.spec.podCIDRs).toEqual([first.spec.podCIDR]);
    expect(first.status.nodeInfo.bootID).not.toBe(second.status.nodeInfo.bootID);
    expect(first.status.nodeInfo).toMatchObject({ kubeletVersion: 'v1.33.1', operatingSystem: 'linux' });
  });
});
