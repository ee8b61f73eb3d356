/**
 * Which files make up an application: its Git source (repoURL, revision, path) and how Argo CD
 * renders that path — kustomize, Helm or a plain directory of manifests — detected as Argo CD
 * does: an explicit `helm`/`kustomize`/`directory` block first, then the files in the path.
 */
import { InputError } from '../../../core/errors.ts';
import type { ApplicationSource, ResolvedApp } from '../../argocd/index.ts';
import type { EditSet } from './edit-set.ts';
import { join, normalize } from './edit-set.ts';

export type Layout = 'kustomize' | 'helm' | 'directory';

export interface AppSource {
  repoURL: string;
  targetRevision?: string;
  /** The app's path in the repository ('' for the root). */
  path: string;
  layout: Layout;
  /** The Git source the files come from. */
  source: ApplicationSource;
  /** Kustomize: the kustomization file of the app's path. */
  kustomization?: string;
  /** Helm: the chart's directory (absent when the chart comes from a chart repository) and its values files, lowest precedence first. */
  helm?: { chartDir?: string; valueFiles: string[]; spec: ApplicationSource['helm'] };
}

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The kustomization file of a directory, if it has one. */
export async function kustomizationIn(set: EditSet, dir: string): Promise<string | undefined> {
  const names = new Set(await set.list(dir));
  const name = KUSTOMIZATION_NAMES.find((n) => names.has(n));
  return name === undefined ? undefined : (join(dir, name) as string);
}

function gitSource(r: ResolvedApp): { git: ApplicationSource; chart?: ApplicationSource } {
  const sources = r.app.spec.source ? [r.app.spec.source] : (r.app.spec.sources ?? []);
  // The same choice as trackedBranch: the first source that is not a chart is the repository read.
  const git = sources.find((s) => !s.chart);
  const chart = sources.find((s) => s.chart);
  if (!git && chart)
    throw new InputError(
      `${r.ref}'s source is a Helm chart repository (chart ${chart.chart} from ${chart.repoURL}), not Git, so there is no file to edit.`,
      { hint: 'Change the chart version or values in the Application itself, or move its values into Git.' },
    );
  if (!git) throw new InputError(`${r.ref} has no source to change.`);
  return { git, chart };
}

export async function resolveSource(r: ResolvedApp, set: EditSet): Promise<AppSource> {
  const { git, chart } = gitSource(r);
  const base = { repoURL: git.repoURL, targetRevision: git.targetRevision, source: git };
  if (git.path === undefined) {
    // A `ref:` source that only carries values files for a chart from a chart repository.
    const prefix = git.ref ? `$${git.ref}/` : undefined;
    const files = (chart?.helm?.valueFiles ?? []).filter((f) => prefix && f.startsWith(prefix));
    if (!chart || files.length === 0)
      throw new InputError(
        `${r.ref}'s Git source (${git.repoURL}) has no path, so deckhand cannot tell which files are the app's.`,
      );
    const valueFiles = files.flatMap((f) => normalize(f.slice((prefix as string).length)) ?? []);
    return { ...base, path: '', layout: 'helm', helm: { valueFiles, spec: chart.helm } };
  }
  const path = normalize(git.path);
  if (path === undefined) throw new InputError(`${r.ref}'s path ${git.path} leaves the repository.`);
  if (git.plugin)
    throw new InputError(
      `${r.ref} is rendered by the config management plugin ${git.plugin.name ?? ''}; deckhand cannot tell which file holds what.`,
    );
  const names = await set.list(path);
  if (names.length === 0)
    throw new InputError(`${r.ref}'s path ${path || '/'} does not exist in ${git.repoURL}.`, {
      hint: 'Check spec.source.path of the Application.',
    });
  const kustomization = await kustomizationIn(set, path);
  const isHelm =
    !!git.helm || (!git.kustomize && !git.directory && !kustomization && names.includes('Chart.yaml'));
  if (isHelm) {
    const valueFiles = ['values.yaml', ...(git.helm?.valueFiles ?? [])].flatMap((f) => {
      if (/^[a-z]+:\/\//.test(f)) return []; // a remote values file: not in this repository
      const p = f.startsWith('$') ? normalize(f.replace(/^\$[^/]+\//, '')) : join(path, f);
      return p === undefined ? [] : [p];
    });
    // Listed twice (values.yaml is always read first): keep the later, stronger position.
    const unique = valueFiles.filter((f, i) => valueFiles.lastIndexOf(f) === i);
    return { ...base, path, layout: 'helm', helm: { chartDir: path, valueFiles: unique, spec: git.helm } };
  }
  if (kustomization && !git.directory) return { ...base, path, layout: 'kustomize', kustomization };
  return { ...base, path, layout: 'directory' };
}

/** The manifest files of a plain directory app, as Argo CD would read them. */
export async function manifestFiles(set: EditSet, src: AppSource): Promise<string[]> {
  const dir = src.source.directory ?? {};
  const include = expandBraces(dir.include);
  const exclude = expandBraces(dir.exclude);
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    for (const name of await set.list(d)) {
      const p = join(d, name) as string;
      const rel = p.slice(src.path ? src.path.length + 1 : 0);
      if (/\.ya?ml$/.test(name) && (await set.read(p)) !== undefined) {
        if (include.length && !include.some((g) => g.test(rel) || g.test(name))) continue;
        if (exclude.some((g) => g.test(rel) || g.test(name))) continue;
        out.push(p);
      } else if (dir.recurse && depth < 20) await walk(p, depth + 1);
    }
  };
  await walk(src.path, 0);
  return out;
}

/** Argo CD's include/exclude globs, `{a.yaml,b.yaml}` alternatives included. */
function expandBraces(glob: string | undefined): RegExp[] {
  if (!glob) return [];
  const m = /^(.*)\{([^}]*)\}(.*)$/.exec(glob);
  const globs = m ? (m[2] as string).split(',').map((alt) => `${m[1]}${alt}${m[3]}`) : [glob];
  const literal = (part: string) => part.replace(/[.+^$(){}|[\]\\]/g, '\\$&').replace(/\?/g, '.');
  // `**` crosses directories, `*` stays within one.
  const body = (g: string) =>
    g
      .split('**')
      .map((p) => p.split('*').map(literal).join('[^/]*'))
      .join('.*');
  return globs.map((g) => new RegExp(`^${body(g)}$`));
}
