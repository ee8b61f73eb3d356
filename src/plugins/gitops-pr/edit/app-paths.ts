/**
 * The files that make up an application in its repository: its source path and everything Argo CD
 * reads to render it — the kustomize bases and components it builds from (wherever they sit) and
 * their patch files, the Helm chart and its values files (a `$ref/…` values file of a multi-source
 * app included). A change deckhand writes must stay inside these, and the change that broke an app
 * is looked for among the commits that touched them.
 */
import type { ResolvedApp } from '../../argocd/index.ts';
import type { FileTree } from '../hosts/types.ts';
import { EditSet } from './edit-set.ts';
import { allLayers, loadLayer } from './kustomize.ts';
import { resolveSource } from './source.ts';

export interface AppPaths {
  /** Directories whose every file belongs to the app ('' is the whole repository). */
  dirs: string[];
  /** Single files outside those directories (a base's manifest, a values file elsewhere). */
  files: string[];
}

export async function appPaths(r: ResolvedApp, tree: FileTree): Promise<AppPaths> {
  const src = await resolveSource(r, new EditSet(tree, ''));
  const set = new EditSet(tree, src.path);
  const dirs = new Set<string>();
  const files = new Set<string>();
  if (src.layout === 'kustomize') {
    const top = await loadLayer(set, src.path);
    for (const layer of top ? allLayers(top) : []) {
      dirs.add(layer.dir);
      for (const m of layer.manifests) files.add(m);
      for (const p of layer.patches) files.add(p.file.path);
    }
  } else if (src.layout === 'helm') {
    if (src.helm?.chartDir !== undefined) dirs.add(src.helm.chartDir);
    for (const f of src.helm?.valueFiles ?? []) files.add(f);
  } else dirs.add(src.path);
  const list = [...dirs];
  return { dirs: list, files: [...files].filter((f) => !within({ dirs: list, files: [] }, f)) };
}

/** Whether a repository path belongs to the app. */
export function within(paths: AppPaths, path: string): boolean {
  return (
    paths.files.includes(path) || paths.dirs.some((d) => d === '' || path === d || path.startsWith(`${d}/`))
  );
}

/** The places to ask the Git host about: each directory, and each file not under one. */
export const watchedPaths = (paths: AppPaths): string[] => [...paths.dirs, ...paths.files];
