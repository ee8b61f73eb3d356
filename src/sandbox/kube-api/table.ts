/**
 * Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for, with the columns
 * kubectl shows for each kind (priority-1 columns appear with -o wide).
 */
import type { KubeObject } from '../scenario.ts';
import type { Json } from '../json.ts';
import { podReason } from '../argo-api/tree.ts';

type Obj = KubeObject & Record<string, Json>;
type Column = { name: string; type: string; format?: string; description: string; priority: number };
type Printer = { columns: Column[]; cells: (o: Obj, now: number) => unknown[] };

const col = (name: string, priority = 0, type = 'string', format?: string): Column => ({
  name,
  type,
  priority,
  description: name,
  ...(format ? { format } : {}),
});

/** kubectl's short human durations: 45s, 3m20s, 5m, 2h15m, 3d. */
export function humanAge(from: string | undefined, now: number): string {
  if (!from) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

const age = (o: Obj, now: number) => humanAge(o.metadata.creationTimestamp, now);

const printers: Record<string, Printer> = {
  Pod: {
    columns: [
      col('Name', 0, 'string', 'name'),
      col('Ready'),
      col('Status'),
      col('Restarts', 0, 'string'),
      col('Age'),
      col('IP', 1),
      col('Node', 1),
      col('Nominated Node', 1),
      col('Readiness Gates', 1),
    ],
    cells: (o, now) => {
      const cs = (o.status?.containerStatuses ?? []) as Obj[];
      const total = (o.spec?.containers ?? []).length || cs.length;
      const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
      const last = cs
        .map((c) => c.lastState?.terminated?.finishedAt as string | undefined)
        .filter(Boolean)
        .sort()
        .at(-1);
      return [
        o.metadata.name,
        `${cs.filter((c) => c.ready).length}/${total}`,
        podReason(o),
        restarts && last ? `${restarts} (${humanAge(last, now)} ago)` : String(restarts),
        age(o, now),
        o.status?.podIP ?? '<none>',
        o.spec?.nodeName ?? '<none>',
        '<none>',
        '<none>',
      ];
    },
  },
  Deployment: {
    columns: [
      col('Name', 0, 'string', 'name'),
      col('Ready'),
      col('Up-to-date', 0, 'integer'),
      col('Available', 0, 'integer'),
      col('Age'),
      col('Containers', 1),
      col('Images', 1),
      col('Selector', 1),
    ],
    cells: (o, now) => {
      const c = (o.spec?.template?.spec?.containers ?? []) as Obj[];
      const sel = Object.entries((o.spec?.selector?.matchLabels ?? {}) as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return [
        o.metadata.name,
        `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
        o.status?.updatedReplicas ?? 0,
        o.status?.availableReplicas ?? 0,
        age(o, now),
        c.map((x) => x.name).join(','),
        c.map((x) => x.image).join(','),
        sel,
      ];
    },
  },
  ReplicaSet: {
    columns: [
      col('Name', 0, 'string', 'name'),
      col('Desired', 0, 'integer'),
      col('Current', 0, 'integer'),
      col('Ready', 0, 'integer'),
      col('Age'),
    ],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.replicas ?? 0,
      o.status?.replicas ?? 0,
      o.status?.readyReplicas ?? 0,
      age(o, now),
    ],
  },
  StatefulSet: {
    columns: [col('Name', 0, 'string', 'name'), col('Ready'), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`,
      age(o, now),
    ],
  },
  Service: {
    columns: [
      col('Name', 0, 'string', 'name'),
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
      col('Selector', 1),
    ],
    cells: (o, now) => [
      o.metadata.name,
      o.spec?.type ?? 'ClusterIP',
      o.spec?.clusterIP ?? '<none>',
      ((o.status?.loadBalancer?.ingress ?? []) as Obj[]).map((i) => i.ip ?? i.hostname).join(',') || '<none>',
      ((o.spec?.ports ?? []) as Obj[])
        .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
        .join(',') || '<none>',
      age(o, now),
      Object.entries((o.spec?.selector ?? {}) as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>',
    ],
  },
  Event: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Message'),
      col('Source', 1),
      col('First Seen', 1),
      col('Count', 1, 'integer'),
      col('Name', 1),
    ],
    cells: (o, now) => [
      humanAge(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now),
      o.type ?? '',
      o.reason ?? '',
      `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
      o.message ?? '',
      o.source?.component ?? '',
      humanAge(o.firstTimestamp ?? o.metadata.creationTimestamp, now),
      o.count ?? 1,
      o.metadata.name,
    ],
  },
  Node: {
    columns: [
      col('Name', 0, 'string', 'name'),
      col('Status'),
      col('Roles'),
      col('Age'),
      col('Version'),
      col('Internal-IP', 1),
      col('OS-Image', 1),
      col('Kernel-Version', 1),
      col('Container-Runtime', 1),
    ],
    cells: (o, now) => {
      const ready = ((o.status?.conditions ?? []) as Obj[]).find((c) => c.type === 'Ready');
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.slice('node-role.kubernetes.io/'.length));
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown',
        roles.join(',') || '<none>',
        age(o, now),
        info.kubeletVersion ?? '',
        ((o.status?.addresses ?? []) as Obj[]).find((a) => a.type === 'InternalIP')?.address ?? '<none>',
        info.osImage ?? '',
        info.kernelVersion ?? '',
        info.containerRuntimeVersion ?? '',
      ];
    },
  },
  Namespace: {
    columns: [col('Name', 0, 'string', 'name'), col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? 'Active', age(o, now)],
  },
};

const generic: Printer = {
  columns: [col('Name', 0, 'string', 'name'), col('Age')],
  cells: (o, now) => [o.metadata.name, age(o, now)],
};

/** Whether the Accept header asks for server-side printing. */
export const wantsTable = (accept: string | undefined): boolean =>
  !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);

export function toTable(
  kind: string,
  items: Obj[],
  resourceVersion: string,
  now: number,
  includeObject: string | null,
) {
  const p = printers[kind] ?? generic;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: p.columns,
    rows: items.map((o) => ({
      cells: p.cells(o, now),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? o
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
