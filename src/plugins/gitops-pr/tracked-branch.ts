/** Where an app's changes go in Git: the repository and branch its source tracks. */
import { InputError } from '../../core/errors.ts';
import type { ResolvedApp } from '../argocd/index.ts';

/**
 * The app's Git source and its place in `spec.sources` (0 for a single source): the first source
 * that is not a chart, the repository deckhand reads and changes. Argo CD lists an app's revisions
 * (status.sync.revisions, history[].revisions) in the order of its sources.
 */
export function gitSourceOf(app: ResolvedApp['app']): { index: number; repoURL: string } | undefined {
  const sources = app.spec.source ? [app.spec.source] : (app.spec.sources ?? []);
  const index = sources.findIndex((s) => !s.chart);
  const src = sources[index];
  return src ? { index, repoURL: src.repoURL } : undefined;
}

/** The branch the app tracks: its targetRevision, or the repository's default for HEAD. */
export function trackedBranch(r: ResolvedApp): {
  repoURL: string;
  branch: string | undefined;
  path?: string;
} {
  const src = r.app.spec.source ?? r.app.spec.sources?.find((s) => !s.chart);
  if (!src) throw new InputError(`${r.ref} has no source to change.`);
  if (src.chart) {
    throw new InputError(
      `${r.ref} installs the Helm chart ${src.chart} from ${src.repoURL}, a chart repository, not Git: there is no file deckhand could change.`,
      {
        hint: 'Manage the chart version and values through an Application whose source is a Git repository.',
      },
    );
  }
  const rev = src.targetRevision;
  if (rev && /^[0-9a-f]{40}$/.test(rev)) {
    throw new InputError(
      `${r.ref} is pinned to commit ${rev.slice(0, 7)}; a change in a branch would not reach it.`,
    );
  }
  return { repoURL: src.repoURL, branch: !rev || rev === 'HEAD' ? undefined : rev, path: src.path };
}
