/**
 * A GitOps story's apps as its Git history makes them: the Applications an app of apps finds in
 * Git at each commit, what each of them asks to run at each commit (rendered by the sandbox's own
 * renderer, as its Argo CD renders a sync), and the commits that changed that — the ones an
 * automated sync deploys. The workloads a story runs are then what Git said at a synced revision,
 * never repeated in the story.
 */
import { parse } from 'yaml';
import type { Manifest } from '../reconciler/kustomize.ts';
import { renderApp } from '../reconciler/render.ts';
import type { Any } from './world.ts';

export interface GitCommit {
  message: string;
  author: string;
  date?: string;
  files: Record<string, string | null>;
}

/** The repository's tree after each commit. */
export function trees(history: GitCommit[]): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  let tree = new Map<string, string>();
  for (const c of history) {
    tree = new Map(tree);
    for (const [path, text] of Object.entries(c.files))
      if (text === null) tree.delete(path);
      else tree.set(path, text);
    out.push(tree);
  }
  return out;
}

/** A tree that remembers which files a render read. */
class Reads extends Map<string, string> {
  readonly read = new Set<string>();
  override get(k: string) {
    this.read.add(k);
    return super.get(k);
  }
  override has(k: string) {
    this.read.add(k);
    return super.has(k);
  }
}

type Rendered = ReturnType<typeof renderApp>;
type Memo = Map<
  string,
  { dirs: string[]; paths: string; deps: [string, string | undefined][]; out: Rendered }
>;

/** The paths under any of some directories (what a build could have listed). */
const under = (tree: Map<string, string>, dirs: string[]) =>
  [...tree.keys()].filter((p) => dirs.some((d) => p.startsWith(d))).join('\n');

/**
 * renderApp, again only when a file it read (or the paths beside them) changed since the last commit:
 * kustomize parses every file it reads, and most commits change one app. The result is shared.
 */
function render(memo: Memo, app: Any, tree: Map<string, string>, live: () => Manifest[]): Rendered {
  const key = JSON.stringify(app);
  const last = memo.get(key);
  if (last && last.deps.every(([p, text]) => tree.get(p) === text) && under(tree, last.dirs) === last.paths)
    return last.out;
  const reads = new Reads(tree);
  const out = renderApp(app, reads, live);
  const dirs = [...new Set([...reads.read].map((p) => p.slice(0, p.lastIndexOf('/') + 1)))];
  memo.set(key, { dirs, paths: under(tree, dirs), deps: [...reads.read].map((p) => [p, tree.get(p)]), out });
  return out;
}

/** The app of apps' manifest by its text: parsed once for all the commits that leave it as it is. */
const rootManifests = new Map<string, Any>();
function parsed(text: string): Any {
  let app = rootManifests.get(text);
  if (!app) {
    if (rootManifests.size > 100) rootManifests.clear();
    app = parse(text) as Any;
    rootManifests.set(text, app);
  }
  return structuredClone(app);
}

/** The app of apps (its manifest at `root`) and the Applications it finds in a tree, in Git's order. */
export function applicationsIn(tree: Map<string, string>, root: string, memo: Memo = new Map()): Any[] {
  const text = tree.get(root);
  if (text === undefined) return [];
  const app = parsed(text);
  const children = render(memo, app, tree, () => []).manifests.filter((m) => m.kind === 'Application');
  return [
    app,
    ...children.map(({ metadata: { labels, ...meta }, ...rest }) => withLabels(rest, meta, labels, app)),
  ];
}

/** A child as Git has it (the instance label the app of apps adds is not in Git). */
function withLabels(rest: Any, meta: Any, labels: Record<string, string> | undefined, root: Any): Any {
  const own = Object.entries(labels ?? {}).filter(
    ([k, v]) => !(k === 'app.kubernetes.io/instance' && v === root.metadata.name),
  );
  return { ...rest, metadata: { ...meta, ...(own.length ? { labels: Object.fromEntries(own) } : {}) } };
}

export interface AppCommits {
  app: Any;
  /** The Application as Git has it after each commit; undefined before it is in Git. */
  at: (Any | undefined)[];
  /** What the app asks to run after each commit (read-only: commits share them); undefined before it is in Git. */
  manifests: (Manifest[] | undefined)[];
  /** The commits that changed it (the first one that has it included), oldest first. */
  changed: number[];
}

/**
 * Each app in Git at the head, with what it asked to run at every commit. `live` gives a Helm
 * app's workloads (its chart's templates are not rendered): the story says them.
 */
export function appCommits(
  history: GitCommit[],
  root: string,
  live: (app: string) => Manifest[],
): AppCommits[] {
  const all = trees(history);
  const memo: Memo = new Map();
  const perCommit = all.map((t) => applicationsIn(t, root, memo));
  const head = perCommit.at(-1) ?? [];
  return head.map((app) => {
    const name = app.metadata.name as string;
    const manifests = renderedAt(
      all,
      (i) => perCommit[i]?.find((a) => a.metadata.name === name),
      () => live(name),
      memo,
    );
    const at = perCommit.map((apps) => apps.find((a) => a.metadata.name === name));
    const changed: number[] = [];
    let previous = '';
    let last: Manifest[] | undefined;
    manifests.forEach((m, i) => {
      // A render that was not redone is the same list (most commits leave most apps as they are).
      if (m !== undefined && m === last) return;
      last = m;
      // Nothing to run (the app's path is not in Git yet) is nothing to sync; a new chart version is.
      const now = m?.length ? JSON.stringify([m, at[i]?.spec.source?.chart && at[i].spec.source]) : '';
      if (now && now !== previous) changed.push(i);
      previous = now;
    });
    return { app, at, manifests, changed };
  });
}

/**
 * What an app asked to run after each commit (`trees`), as `appAt` gives its Application then
 * (undefined: not in Git yet); a render is redone only when a file it read changed.
 */
export function renderedAt(
  all: Map<string, string>[],
  appAt: (commit: number) => Any,
  live: () => Manifest[],
  memo: Memo = new Map(),
): (Manifest[] | undefined)[] {
  return all.map((tree, i) => {
    const then = appAt(i);
    return then ? render(memo, then, tree, live).manifests : undefined;
  });
}
