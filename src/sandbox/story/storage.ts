/**
 * Storage as a cluster with the local-path provisioner shows it: the StorageClass, and claims that
 * are Pending or Bound — a claim bound on a node has the hostPath PersistentVolume the provisioner
 * made there (named after the claim's uid, as dynamic provisioning names volumes).
 */
import type { Labels, Obj, StoryWorld } from './world.ts';

export const LOCAL_PATH = 'rancher.io/local-path';

export function storageClass(
  w: StoryWorld,
  o: { name: string; created: string; provisioner?: string; isDefault?: boolean },
): Obj {
  return w.add({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      ...w.meta('StorageClass', o.name, undefined, o.created),
      ...(o.isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    provisioner: o.provisioner ?? LOCAL_PATH,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
}

export interface ClaimOrder {
  namespace: string;
  name: string;
  className: string;
  size: string;
  created: string;
  labels: Labels;
  bound: boolean;
  accessModes?: string[];
  /** The node the claim was bound on: its volume is written too. */
  node?: string;
  /** When the volume was provisioned (a few seconds after the claim). */
  provisioned?: string;
}

/** A claim, Bound (by the local-path provisioner) or Pending; bound on a node, with its volume. */
export function claim(w: StoryWorld, o: ClaimOrder): Obj {
  const claimUid = w.uid('PersistentVolumeClaim', o.namespace, o.name);
  const volume = `pvc-${claimUid}`;
  const accessModes = o.accessModes ?? ['ReadWriteOnce'];
  const bound = o.bound && { ...(o.node ? { 'volume.kubernetes.io/selected-node': o.node } : {}) };
  const pvc = w.add({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      ...w.meta('PersistentVolumeClaim', o.name, o.namespace, o.created),
      labels: o.labels,
      ...(bound
        ? {
            annotations: {
              'pv.kubernetes.io/bind-completed': 'yes',
              'pv.kubernetes.io/bound-by-controller': 'yes',
              'volume.beta.kubernetes.io/storage-provisioner': LOCAL_PATH,
              ...bound,
              'volume.kubernetes.io/storage-provisioner': LOCAL_PATH,
            },
          }
        : {}),
      finalizers: ['kubernetes.io/pvc-protection'],
    },
    spec: {
      accessModes,
      storageClassName: o.className,
      resources: { requests: { storage: o.size } },
      volumeMode: 'Filesystem',
      ...(bound ? { volumeName: volume } : {}),
    },
    status: bound ? { phase: 'Bound', accessModes, capacity: { storage: o.size } } : { phase: 'Pending' },
  });
  if (bound && o.node) persistentVolume(w, pvc, o.node, o.provisioned ?? o.created);
  return pvc;
}

/** The hostPath volume local-path provisioned for a claim on a node. */
function persistentVolume(w: StoryWorld, pvc: Obj, node: string, created: string): Obj {
  const { name, namespace, uid } = pvc.metadata;
  const volume = pvc.spec.volumeName as string;
  return w.add({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      ...w.meta('PersistentVolume', volume, undefined, created),
      annotations: {
        'local.path.provisioner/selected-node': node,
        'pv.kubernetes.io/provisioned-by': LOCAL_PATH,
      },
      finalizers: ['kubernetes.io/pv-protection'],
    },
    spec: {
      accessModes: pvc.spec.accessModes,
      capacity: { storage: pvc.spec.resources.requests.storage },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', name, namespace, uid },
      hostPath: {
        path: `/opt/local-path-provisioner/${volume}_${namespace}_${name}`,
        type: 'DirectoryOrCreate',
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] },
          ],
        },
      },
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: pvc.spec.storageClassName,
      volumeMode: 'Filesystem',
    },
    status: { lastPhaseTransitionTime: w.at(created), phase: 'Bound' },
  });
}
