/** Which applications a schedule or route covers. */
import { anyGlob } from '../../core/glob.ts';
import { matchesSelector, parseSelector, type Application } from '../argocd/index.ts';
import type { Selection } from './config.ts';

export function selector(sel: Selection): (instance: string, app: Application) => boolean {
  const reqs = sel.labels ? parseSelector(sel.labels) : [];
  return (instance, app) =>
    (!sel.instances || sel.instances.includes(instance)) &&
    anyGlob(sel.projects, app.spec.project) &&
    anyGlob(sel.apps, app.metadata.name) &&
    matchesSelector(reqs, app.metadata.labels);
}
