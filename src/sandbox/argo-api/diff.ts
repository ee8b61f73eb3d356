/**
 * Whether a live resource differs from Git, the way Argo CD's default (client-side, three-way)
 * diff decides it (gitops-engine pkg/diff/diff.go): the desired object is merged into the live one,
 * so a field Git does not set is never a difference; `status` is ignored
 * (ignoreResourceStatusField defaults to all); Kubernetes' scheme defaults are applied to both
 * sides before they are compared (applyPatch → generateSchemeDefaultPatch), so `protocol: TCP` on a
 * Service port or a Deployment's `progressDeadlineSeconds: 600` is not drift.
 */
import { strategicMerge } from '../reconciler/merge.ts';
import type { Json } from '../json.ts';

type Obj = Record<string, Json>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const setDefault = (o: Obj, k: string, v: Json) => {
  if (o[k] === undefined) o[k] = v;
};

/** k8s.io/kubernetes pkg/apis/core/v1/defaults.go, for a container. */
function containerDefaults(c: Obj): void {
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  const image = typeof c.image === 'string' ? c.image : '';
  const tagged = /:[^/]+$/.test(image.split('@')[0] ?? '') && !/:latest$/.test(image.split('@')[0] ?? '');
  setDefault(c, 'imagePullPolicy', image.includes('@') || tagged ? 'IfNotPresent' : 'Always');
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (isObj(p)) setDefault(p, 'protocol', 'TCP');
}

/** SetDefaults_PodSpec. */
function podSpecDefaults(spec: Obj): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'securityContext', {});
  for (const key of ['containers', 'initContainers'])
    for (const c of Array.isArray(spec[key]) ? spec[key] : []) if (isObj(c)) containerDefaults(c);
}

function withDefaults(o: Obj): Obj {
  const kind = o.kind;
  const spec = isObj(o.spec) ? o.spec : undefined;
  if (!spec) return o;
  if (kind === 'Service') {
    setDefault(spec, 'type', 'ClusterIP');
    setDefault(spec, 'sessionAffinity', 'None');
    for (const p of Array.isArray(spec.ports) ? spec.ports : [])
      if (isObj(p)) {
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'targetPort', p.port ?? null);
      }
  }
  if (kind === 'Deployment') {
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'progressDeadlineSeconds', 600);
    setDefault(spec, 'strategy', {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
  }
  if (kind === 'StatefulSet') {
    setDefault(spec, 'replicas', 1);
    setDefault(spec, 'revisionHistoryLimit', 10);
    setDefault(spec, 'podManagementPolicy', 'OrderedReady');
    setDefault(spec, 'updateStrategy', { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  }
  const template = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : undefined;
  if (template) podSpecDefaults(template);
  if (kind === 'Pod') podSpecDefaults(spec);
  return o;
}

const NOISE_META = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];
const NOISE_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision',
];

/** The object as it is compared: no status, no server-set metadata, defaults filled in. */
export function normalizeForDiff(input: unknown): Obj | null {
  if (!isObj(input)) return null;
  const o = structuredClone(input);
  delete o.status;
  if (isObj(o.metadata)) {
    for (const k of NOISE_META) delete o.metadata[k];
    if (isObj(o.metadata.annotations)) {
      for (const k of NOISE_ANNOTATIONS) delete o.metadata.annotations[k];
      if (Object.keys(o.metadata.annotations).length === 0) delete o.metadata.annotations;
    }
  }
  return withDefaults(o);
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    isObj(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );

/** Keep only the keys of `live` that `orig` has, recursively (gitops-engine json.RemoveMapFields). */
function onlyFieldsOf(orig: Json, live: Json): Json {
  if (Array.isArray(orig) && Array.isArray(live))
    return live.map((l, i) => (i < orig.length ? onlyFieldsOf(orig[i] as Json, l) : l));
  if (!isObj(orig) || !isObj(live)) return live;
  return Object.fromEntries(
    Object.keys(live)
      .filter((k) => k in orig)
      .map((k) => [k, onlyFieldsOf(orig[k] as Json, live[k] as Json)]),
  );
}

/**
 * A StatefulSet embeds PersistentVolumeClaims the API server defaults (apiVersion, kind,
 * volumeMode, status); Argo CD drops from the live templates every field Git's do not set
 * (gitops-engine pkg/diff/diff.go statefulSetWorkaround).
 */
function statefulSetWorkaround(desired: Obj, live: Obj): Obj {
  const want = isObj(desired.spec) ? desired.spec.volumeClaimTemplates : undefined;
  const have = isObj(live.spec) ? live.spec.volumeClaimTemplates : undefined;
  if (!Array.isArray(want) || !Array.isArray(have)) return live;
  return { ...live, spec: { ...(live.spec as Obj), volumeClaimTemplates: onlyFieldsOf(want, have) } };
}

/** The predicted live state (Git merged into live), and whether it differs from live. */
export function compare(
  live: unknown,
  desired: unknown,
): { normalizedLive: Obj | null; predicted: Obj | null; modified: boolean } {
  const base =
    isObj(live) && isObj(desired) && live.kind === 'StatefulSet'
      ? statefulSetWorkaround(desired, live)
      : live;
  const normalizedLive = normalizeForDiff(base);
  if (!isObj(desired)) return { normalizedLive, predicted: null, modified: false };
  if (!normalizedLive) return { normalizedLive: null, predicted: normalizeForDiff(desired), modified: true };
  const predicted = normalizeForDiff(strategicMerge(base, desired));
  return { normalizedLive, predicted, modified: canonical(predicted) !== canonical(normalizedLive) };
}
