/**
 * Whether the files a change edits are read by its app alone: what a change must be to merge with
 * no approval (an environment in `autoMerge`). The environment of an app says nothing about the
 * files it shares — a kustomize base, a chart's `values.yaml`, a directory another app's path
 * nests in — and a dev change to those reaches staging and prod too. So a file counts as this
 * app's alone when it lies under the app's own path, in its own repository, and no other
 * Application reads that path (one nested in it, or one it nests in), except a values file only
 * this app lists.
 */
import type { Application } from '../argocd/index.ts';
import { repoKey } from './hosts/repo-url.ts';

interface Source {
  repo: string;
  path: string;
  valueFiles: string[];
}

const clean = (p: string) =>
  p
    .replace(/^\.?\/+/, '')
    .replace(/\/+$/, '')
    .replace(/^\.$/, '');

function sourcesOf(app: Application): Source[] {
  const all = app.spec.sources?.length ? app.spec.sources : app.spec.source ? [app.spec.source] : [];
  return all
    .filter((s) => !s.chart && s.path !== undefined)
    .map((s) => {
      const path = clean(s.path ?? '');
      return {
        repo: repoKey(s.repoURL),
        path,
        valueFiles: (s.helm?.valueFiles ?? []).map((f) => clean(path ? `${path}/${f}` : f)),
      };
    });
}

const under = (file: string, dir: string) => dir === '' || file === dir || file.startsWith(`${dir}/`);

/** The files of `files` (in `repoURL`) that are not this app's alone, each with why. */
export function sharedFiles(
  app: Application,
  repoURL: string,
  files: string[],
  others: Application[],
): string[] {
  const repo = repoKey(repoURL);
  const own = sourcesOf(app).filter((s) => s.repo === repo);
  const name = (a: Application) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const theirs = others
    .filter((a) => name(a) !== name(app))
    .flatMap((a) => sourcesOf(a).map((s) => ({ ...s, app: a.metadata.name })))
    .filter((s) => s.repo === repo);
  const out: string[] = [];
  for (const f of files) {
    const mine = own.find((s) => under(f, s.path) && s.path !== '');
    if (!mine) {
      out.push(`${f} is outside ${app.metadata.name}'s own path`);
      continue;
    }
    const reader = theirs.find((t) => under(f, t.path) || under(t.path, mine.path));
    // Beside another app in one chart directory, a values file only this app lists is its own.
    const ownValues = mine.valueFiles.includes(f) && !theirs.some((t) => t.valueFiles.includes(f));
    if (reader && !(ownValues && reader.path === mine.path)) out.push(`${f} is read by ${reader.app} too`);
  }
  return out;
}
