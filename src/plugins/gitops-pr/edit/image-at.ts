/**
 * The tag an app's files gave an image at some revision: what a rollback to that revision brings
 * back, and so what it pins for Image Updater. The app's `.argocd-source` files decide first (Argo
 * CD merges them over everything, and Image Updater's write-back `git` writes there); else the one
 * tag the app's own files name for that repository — an image reference, a kustomize images entry
 * (`name` + `newTag`) or a values mapping (`repository` + `tag`).
 */
import { parseAllDocuments } from 'yaml';
import { canonicalRepo } from '../../../core/image-ref.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { FileTree } from '../hosts/types.ts';
import type { AppPaths } from './app-paths.ts';
import { parseImage } from './image-ref.ts';
import { sourceFiles } from './source-file.ts';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const sameRepo = (a: unknown, repo: string) =>
  typeof a === 'string' && canonicalRepo(parseImage(a).repo) === canonicalRepo(repo);

/** Every YAML value of a text's documents; none when it is not YAML. */
function documents(text: string): unknown[] {
  try {
    return parseAllDocuments(text).flatMap((d) => (d.errors.length ? [] : [d.toJS({ maxAliasCount: -1 })]));
  } catch {
    return [];
  }
}

/** Tags a value names for `repo`, wherever in it. */
function tagsIn(v: unknown, repo: string, out: Set<string>): void {
  if (typeof v === 'string') {
    const text = v.includes('=') ? v.slice(v.indexOf('=') + 1) : v;
    const ref = parseImage(text);
    if ((text.includes('/') || text.includes(':')) && sameRepo(ref.repo, repo) && ref.tag) out.add(ref.tag);
    return;
  }
  if (Array.isArray(v)) return v.forEach((x) => tagsIn(x, repo, out));
  if (!isRecord(v)) return;
  const named = [v.name, v.newName, v.repository].some((n) => sameRepo(n, repo));
  const tag = v.newTag ?? v.tag;
  if (named && (typeof tag === 'string' || typeof tag === 'number')) out.add(String(tag));
  for (const x of Object.values(v)) tagsIn(x, repo, out);
}

/** The Helm parameters of an override file as Image Updater writes them: `<x>.name` + `<x>.tag`, or a whole image. */
function helmTags(params: unknown, repo: string, out: Set<string>): void {
  if (!Array.isArray(params)) return;
  const byName = new Map(
    params.filter(isRecord).map((p) => [String(p.name), p.value === undefined ? undefined : String(p.value)]),
  );
  for (const [name, value] of byName) {
    if (!value) continue;
    if (/(^|\.)(name|repository)$/.test(name) && sameRepo(value, repo)) {
      const tag = byName.get(name.replace(/(name|repository)$/, 'tag'));
      if (tag) out.add(tag);
    } else if (sameRepo(value, repo) && parseImage(value).tag) out.add(parseImage(value).tag as string);
  }
}

export async function tagAt(
  r: ResolvedApp,
  tree: FileTree,
  paths: AppPaths,
  srcPath: string,
  repo: string,
): Promise<string | undefined> {
  for (const file of sourceFiles(r, srcPath).reverse()) {
    const text = await tree.read(file);
    if (text === undefined) continue;
    const found = new Set<string>();
    for (const doc of documents(text)) {
      if (!isRecord(doc)) continue;
      tagsIn((doc.kustomize as Record<string, unknown> | undefined)?.images, repo, found);
      helmTags((doc.helm as Record<string, unknown> | undefined)?.parameters, repo, found);
    }
    if (found.size === 1) return [...found][0];
  }
  const files = new Set(paths.files);
  const walk = async (dir: string): Promise<void> => {
    for (const name of await tree.list(dir)) {
      const p = dir ? `${dir}/${name}` : name;
      if ((await tree.read(p)) === undefined) await walk(p);
      else if (/\.ya?ml$/.test(name) && !name.startsWith('.argocd-source')) files.add(p);
    }
  };
  for (const d of paths.dirs) await walk(d);
  const found = new Set<string>();
  for (const f of files) {
    const text = await tree.read(f);
    if (text !== undefined) for (const doc of documents(text)) tagsIn(doc, repo, found);
  }
  return found.size === 1 ? [...found][0] : undefined;
}
