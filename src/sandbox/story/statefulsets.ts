/**
 * A StatefulSet of one replica with its claim template, its pod (pod-0, with the StatefulSet's
 * pod labels) and the claim data-<name>-0 it mounts: Bound by local-path, or Pending.
 */
import { resolve, templateSpec, type Container, type WorkloadOrder } from './containers.ts';
import { storyEvent } from './events.ts';
import { isReady, pod } from './pods.ts';
import type { StatefulSetInput } from './schema.ts';
import { claim } from './storage.ts';
import { managed, NAME, suffix, type Obj, type StoryWorld } from './world.ts';

export function statefulSet(w: StoryWorld, o: WorkloadOrder<StatefulSetInput>): Obj[] {
  const { app, namespace, d, path } = o;
  const labels = { [NAME]: d.name };
  const container: Container = resolve(d.container, o.named, `${path}.container`);
  const revision = `${d.name}-${suffix(`${w.seed}/${d.name}/revision`, 10)}`;
  const claimName = `data-${d.name}-0`;
  const sts: Obj = w.add({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      ...w.meta('StatefulSet', d.name, namespace, d.created),
      generation: 1,
      labels: managed(app, d.name),
    },
    spec: {
      replicas: 1,
      serviceName: d.name,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: templateSpec({ labels, containers: [container] }) },
      volumeClaimTemplates: [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: d.storage.className,
            resources: { requests: { storage: d.storage.size } },
            volumeMode: 'Filesystem',
          },
        },
      ],
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    },
  });
  const pvc = claim(w, { namespace, name: claimName, created: d.created, labels, ...d.storage });
  d.storage.events.forEach((e, i) => storyEvent(w, pvc, e, undefined, `${path}.storage.events.${i}`));
  const p = pod(w, {
    name: `${d.name}-0`,
    namespace,
    owner: sts,
    labels: {
      ...labels,
      'apps.kubernetes.io/pod-index': '0',
      'controller-revision-hash': revision,
      'statefulset.kubernetes.io/pod-name': `${d.name}-0`,
    },
    template: {
      labels,
      containers: [container],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
    def: d.pod,
    path: `${path}.pod`,
  });
  const ready = isReady(p) ? 1 : 0;
  sts.status = {
    observedGeneration: 1,
    replicas: 1,
    ...(ready ? { readyReplicas: 1, availableReplicas: 1 } : { availableReplicas: 0 }),
    currentReplicas: 1,
    updatedReplicas: 1,
    currentRevision: revision,
    updateRevision: revision,
    collisionCount: 0,
  };
  return [p];
}
