/**
 * The sandbox cannot run Helm, so for a chart whose values live in Git it maps the conventional
 * values keys onto the app's live workloads: image.tag (and image.repository), replicaCount or
 * replicas, resources, podAnnotations. That is what a chart would render for these keys.
 */
import { parse } from 'yaml';
import { strategicMerge } from './merge.ts';
import type { Manifest } from './kustomize.ts';

type Values = Record<string, unknown>;

export function mergeValues(files: string[]): Values {
  return files.reduce<Values>((acc, text) => strategicMerge(acc, (parse(text) ?? {}) as Values), {});
}

const get = (v: Values, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Values)[k] : undefined), v);

export function applyValues(workloads: Manifest[], values: Values): Manifest[] {
  return workloads.map((w) => {
    if (!['Deployment', 'StatefulSet'].includes(w.kind)) return w;
    const m = structuredClone(w) as Manifest & {
      spec: Values & { template?: { metadata?: Values; spec?: { containers?: Values[] } } };
    };
    const replicas = get(values, 'replicaCount') ?? get(values, 'replicas');
    if (typeof replicas === 'number') m.spec.replicas = replicas;
    const first = m.spec.template?.spec?.containers?.[0];
    if (first) {
      const tag = get(values, 'image.tag');
      const repo = get(values, 'image.repository');
      if (typeof tag === 'string' || typeof tag === 'number' || typeof repo === 'string') {
        const current = String(first.image ?? '');
        const colon = current.lastIndexOf(':');
        const name = colon > current.lastIndexOf('/') ? current.slice(0, colon) : current;
        first.image = `${typeof repo === 'string' ? repo : name}:${tag ?? current.slice(colon + 1)}`;
      }
      const resources = get(values, 'resources');
      if (resources && typeof resources === 'object') first.resources = resources;
    }
    const ann = get(values, 'podAnnotations');
    if (ann && typeof ann === 'object' && m.spec.template) {
      m.spec.template.metadata = {
        ...(m.spec.template.metadata ?? {}),
        annotations: { ...((m.spec.template.metadata?.annotations as Values) ?? {}), ...(ann as Values) },
      };
    }
    return m;
  });
}
