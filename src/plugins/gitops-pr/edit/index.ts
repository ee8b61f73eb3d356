/**
 * The manifest planner: from an application, its Git tree and an intent to the edited files.
 * It finds the app's files (kustomize layers, Helm values, plain manifests), the workload and the
 * place that decides the value, and edits only the lines that must change.
 */
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { Planner } from '../changes.ts';
import type { ChangeIntent } from '../intents.ts';
import { EditSet } from './edit-set.ts';
import { target } from './fields.ts';
import { planHelm, type ValuesKeys } from './helm.ts';
import { parseImage, parseWish } from './image-ref.ts';
import { allLayers, chainTo, liveName, loadLayer } from './kustomize.ts';
import { planPromotion } from './promotion.ts';
import { planSourceFileImage } from './source-file.ts';
import { manifestFiles, resolveSource, type AppSource } from './source.ts';
import { planImage, planReplicas, type Scope } from './workload-plan.ts';
import { planResources, planRestart } from './workload-tree.ts';
import { pickWorkload, workloadsIn, type Workload } from './workloads.ts';

export type { ValuesKeys } from './helm.ts';
export { RESTART_ANNOTATION } from './workload-tree.ts';

export interface PlannerOptions {
  /** Helm values keys per application name, for charts whose keys deckhand cannot work out. */
  valuesKeys?: Record<string, ValuesKeys>;
}

export function createPlanner(opts: PlannerOptions = {}): Planner {
  const one: Planner = async (r, files, intent) => {
    const src = await resolveSource(r, new EditSet(files, ''));
    const set = new EditSet(files, src.path);
    // An image an .argocd-source file sets wins over the manifests (Image Updater's write-back git).
    if (intent.kind === 'image' && (await planSourceFileImage(set, r, src, intent))) return set.plan();
    if (src.layout === 'helm') await planHelm(set, r, src, intent, opts.valuesKeys?.[r.app.metadata.name]);
    else await planWorkload(set, r, src, intent);
    return set.plan();
  };
  return (r, files, intent) =>
    intent.kind === 'promote' ? planPromotion(one, r, files, intent) : one(r, files, intent);
}

async function planWorkload(
  set: EditSet,
  r: ResolvedApp,
  src: AppSource,
  intent: ChangeIntent,
): Promise<void> {
  const top = src.layout === 'kustomize' ? await loadLayer(set, src.path) : undefined;
  const paths = top
    ? [...new Set(allLayers(top).flatMap((l) => l.manifests))]
    : await manifestFiles(set, src);
  const workloads: Workload[] = [];
  for (const p of paths) {
    const f = await set.open(p);
    if (f) workloads.push(...workloadsIn(f));
  }
  const where = top
    ? `${top.file.path} and the ${paths.length} manifest${paths.length === 1 ? '' : 's'} it includes`
    : `the ${paths.length} manifest${paths.length === 1 ? '' : 's'} under ${src.path || '/'}`;
  const chainOf = (w: Workload) => (top ? chainTo(top, w.file.path) : []);
  const w = pickWorkload(r, workloads, intent, where, (x) => liveName(chainOf(x), x.name));
  const s: Scope = { set, r, t: target(w, chainOf(w)), top };
  checkArgoOverrides(src, intent);
  switch (intent.kind) {
    case 'image':
      return planImage(s, intent);
    case 'replicas':
      return planReplicas(s, intent.replicas);
    case 'resources':
      return planResources(s, intent);
    case 'restart':
      return planRestart(s, intent.at);
  }
}

/** Argo CD's own kustomize overrides win over every file: a Git change would not take effect. */
function checkArgoOverrides(src: AppSource, intent: ChangeIntent): void {
  const k = src.source.kustomize;
  const hint = {
    hint: 'Remove the override from the Application (spec.source.kustomize), or change it there.',
  };
  if (intent.kind === 'image' && k?.images?.length) {
    const wish = parseWish(intent.image);
    const names = k.images.map((i) => parseImage(i.split('=')[0] as string).repo);
    if (!wish.repo || names.includes(wish.repo))
      throw new InputError(
        `The Application overrides images itself (spec.source.kustomize.images: ${k.images.join(', ')}).`,
        hint,
      );
  }
  if (intent.kind === 'replicas' && k?.replicas?.length)
    throw new InputError(
      `The Application overrides replicas itself (spec.source.kustomize.replicas: ${k.replicas.map((x) => `${x.name}=${x.count}`).join(', ')}).`,
      hint,
    );
}
