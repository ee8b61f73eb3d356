/**
 * When the cluster could not be read (a 403, a timeout, no configured cluster), Argo CD's resource
 * tree still carries each pod's and Deployment's health message, the same kubelet words the other
 * rules read from pod status. This rule reads those, and only for namespaces whose pods (or
 * Deployments) are missing from the snapshot, so it never doubles a finding.
 */
import type { ResourceNode } from '../../../argocd/index.ts';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import type { Category } from '../types.ts';
import { missingThing } from './config-error.ts';

const POD_SIGNS: [RegExp, Category, string][] = [
  [/OOMKilled/, 'OOMKilled', 'was killed for exceeding its memory limit'],
  [
    /pulling image|ErrImagePull|ImagePullBackOff|InvalidImageName/i,
    'ImagePullError',
    'cannot pull its image',
  ],
  [/couldn't find key|(secret|configmap) "[^"]+" not found/i, 'ContainerConfigError', 'cannot be created'],
  [/restarting failed container/i, 'CrashLoopBackOff', 'keeps crashing and being restarted'],
];

/** The workload above a tree node: ReplicaSet → Deployment, else the direct parent. */
function ownerOf(ctx: Ctx, node: ResourceNode): { kind: string; namespace?: string; name: string } {
  const parent = node.parentRefs?.[0];
  if (!parent) return { kind: node.kind, namespace: node.namespace, name: node.name };
  const up = ctx.s.tree.nodes?.find(
    (n) => n.kind === parent.kind && n.name === parent.name && n.namespace === parent.namespace,
  );
  const owner = up?.parentRefs?.[0] ?? parent;
  return { kind: owner.kind, namespace: owner.namespace, name: owner.name };
}

export const treeRule = (ctx: Ctx): Draft[] =>
  (ctx.s.tree.nodes ?? []).flatMap((node): Draft[] => {
    const health = node.health;
    if (!health?.message || (health.status !== 'Degraded' && health.status !== 'Progressing')) return [];
    const note = `Argo CD resource tree (the cluster could not be read): ${node.kind} ${node.name} ${health.status}: ${health.message}`;
    if (node.kind === 'Pod' && ctx.missing('pods', node.namespace)) {
      const sign = POD_SIGNS.find(([re]) => re.test(health.message ?? ''));
      if (!sign) return [];
      const [, category, words] = sign;
      const container = /container=([^\s,]+)/.exec(health.message)?.[1];
      const what =
        category === 'ContainerConfigError' ? missingThing(health.message, node.namespace) : undefined;
      return [
        {
          category,
          severity: 'critical',
          resource: { ...ownerOf(ctx, node), ...(container ? { container } : {}) },
          summary: `${container ? `container ${container}` : `pod ${node.name}`} ${words}${what ? `: ${what}` : ''} (from Argo CD; pod details could not be read)`,
          evidence: [note],
          // Argo CD's summary of the object, not the object: medium confidence.
          confidence: 'medium',
          basis: ['argocd:resource-tree'],
          pods: [node.name],
        },
      ];
    }
    if (
      node.kind === 'Deployment' &&
      /exceeded its progress deadline/.test(health.message) &&
      ctx.missing('deployments', node.namespace)
    )
      return [
        {
          category: 'ProgressDeadlineExceeded',
          severity: 'critical',
          resource: { kind: 'Deployment', namespace: node.namespace, name: node.name },
          summary: health.message,
          evidence: [note],
          // Argo CD's summary of the object, not the object: medium confidence.
          confidence: 'medium',
          basis: ['argocd:resource-tree'],
        },
      ];
    return [];
  });
