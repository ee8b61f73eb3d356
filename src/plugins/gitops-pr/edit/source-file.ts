/**
 * Parameter overrides stored in Git: Argo CD merges `.argocd-source.yaml` and then
 * `.argocd-source-<app>.yaml` (`<ns>_<app>` for an app outside the control plane namespace) from
 * the app's path into its source before rendering (docs user-guide/parameters.md "Store Overrides
 * In Git"; reposerver/repository/repository.go mergeSourceParameters). Image Updater's write-back
 * `git` writes its images there. An image such a file sets wins over every manifest, so a bump of
 * it is made in the file — the last one that sets it, as the last merge wins. Kustomize apps list
 * images (`kustomize.images`); Helm apps set parameters (`helm.parameters`: Image Updater writes
 * `image.name` + `image.tag` by default, or the names its `<alias>.helm.image-*` annotations give,
 * each with `forcestring: true`; pkg/argocd/argocd.go SetHelmImage).
 */
import { isMap, isScalar, isSeq, type Scalar, type YAMLSeq } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { canonicalRepo } from '../../../core/image-ref.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { ChangeIntent } from '../intents.ts';
import { join, type EditSet } from './edit-set.ts';
import { applyWish, formatImage, parseImage, parseWish, shortName } from './image-ref.ts';
import type { AppSource } from './source.ts';
import { lookup, nodeAt, type Doc } from './yaml-edit.ts';

/** The override files of an app's path, in the order Argo CD merges them. */
export function sourceFiles(r: ResolvedApp, path: string): string[] {
  const { name, namespace } = r.app.metadata;
  // Argo CD names the app's file <ns>_<app> only outside its own (controller) namespace, which the
  // Application reports as status.controllerNamespace (argocd, openshift-gitops, …).
  const control =
    (r.app.status as { controllerNamespace?: string } | undefined)?.controllerNamespace ?? 'argocd';
  const own = namespace && namespace !== control ? `${namespace}_${name}` : name;
  return ['.argocd-source.yaml', `.argocd-source-${own}.yaml`].flatMap((f) => join(path, f) ?? []);
}

/** A kustomize images entry as Argo CD writes it: `[name=]newName[:tag][@digest]`. */
function entryRepo(text: string): { name?: string; ref: ReturnType<typeof parseImage> } {
  const eq = text.indexOf('=');
  return eq > 0
    ? { name: parseImage(text.slice(0, eq)).repo, ref: parseImage(text.slice(eq + 1)) }
    : { ref: parseImage(text) };
}

const child = (doc: Doc | undefined, ...keys: string[]) =>
  doc ? nodeAt(doc, doc.contents, ...keys) : undefined;

/**
 * Change the image in the app's override file when one sets it; false when none does (the
 * manifests decide, as before).
 */
export async function planSourceFileImage(
  set: EditSet,
  r: ResolvedApp,
  src: AppSource,
  intent: Extract<ChangeIntent, { kind: 'image' }>,
): Promise<boolean> {
  const wish = parseWish(intent.image);
  const running = new Set((r.view.images ?? []).map((i) => canonicalRepo(parseImage(i.image).repo)));
  const helm = src.layout === 'helm';
  // Argo CD merges the files of the chart's own directory; a chart from a chart repository (its
  // values in another source, `$values/…`) has none deckhand could edit.
  if (helm && !src.helm?.chartDir) return false;
  // Helm apps take parameters from the files, other apps kustomize images (Argo CD refuses an
  // app whose source mixes both: "multiple application sources defined").
  const [section, list] = helm ? ['helm', 'parameters'] : ['kustomize', 'images'];
  for (const path of sourceFiles(r, src.path).reverse()) {
    const f = await set.open(path);
    if (!f) continue;
    const listed = child(f.docs[0], section, list);
    // A merge patch with null removes the list: this file decides, and it sets nothing.
    if (listed === null || (isScalar(listed) && listed.value === null)) return false;
    if (!isSeq(listed)) continue;
    if (helm) return planHelmParameter(set, r, path, f, f.docs[0] as Doc, listed, wish, running, intent.path);
    return planKustomizeImages(set, r, path, f, listed, wish, running);
  }
  return false;
}

/**
 * Change the entry of a kustomize `images` list (an override file's, or an Application's own
 * `spec.source.kustomize.images`) that sets the asked image. A merge patch replaces a list whole:
 * the list in effect decides, and when it does not name this image, the manifests decide (false).
 */
export function planKustomizeImages(
  set: EditSet,
  r: ResolvedApp,
  path: string,
  f: YamlFile,
  images: YAMLSeq,
  wish: ReturnType<typeof parseWish>,
  running: Set<string>,
): boolean {
  const entries = images.items.filter((n): n is Scalar => isScalar(n) && typeof n.value === 'string');
  let matches = entries.filter((n) => {
    const e = entryRepo(String(n.value));
    return e.ref.repo === wish.repo || e.name === wish.repo;
  });
  if (!wish.repo) {
    // A bare tag names the app's image only when the app runs one image and the list sets it.
    matches = entries.filter((n) => {
      const repo = canonicalRepo(entryRepo(String(n.value)).ref.repo);
      return running.size <= 1 && (running.size === 0 || running.has(repo));
    });
    if (matches.length !== 1 && entries.length)
      throw new InputError(
        `${path} overrides the images of ${r.ref} (${entries.map((n) => String(n.value)).join(', ')}); say which one the tag is for.`,
        { hint: `Give the whole reference: gitops bump ${r.ref} <repository>:${wish.tag ?? wish.digest}.` },
      );
  }
  if (matches.length !== 1) return false;
  const node = matches[0] as Scalar;
  const text = String(node.value);
  const e = entryRepo(text);
  // The entry's newName moves only when the wish names another repository for `name=`.
  const next = formatImage(applyWish(e.ref, e.ref.repo === wish.repo ? { ...wish, repo: undefined } : wish));
  const after = e.name ? `${text.slice(0, text.indexOf('='))}=${next}` : next;
  const label = `kustomize.images[${shortName(e.ref.repo)}]`;
  if (after === text) {
    set.held(path, label, text);
    return true;
  }
  f.setScalar(node, after);
  set.changed(path, label, formatImage(e.ref), next);
  return true;
}

export type YamlFile = NonNullable<Awaited<ReturnType<EditSet['open']>>>;

/**
 * A parameter that sets an image or part of it: a whole reference, a registry, a repository, a
 * tag or a digest (charts split them so: Bitnami's image.registry/repository/tag/digest).
 */
interface ImageParam {
  name: string;
  value: Scalar;
  role: 'spec' | 'registry' | 'repo' | 'tag' | 'digest';
}

/** An image reference as a value may hold one: `[host[:port]/]path[:tag][@digest]`, nothing else. */
const REFERENCE =
  /^(?:[\w.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[a-z0-9]+:[a-f0-9]{32,})?$/;

function roleOf(leaf: string, text: string): ImageParam['role'] | undefined {
  // (not `version`: charts use it for the app's version, Image Updater never writes it)
  if (leaf === 'tag' || leaf === 'imagetag') return 'tag';
  if (leaf === 'digest') return 'digest';
  if (leaf === 'registry') return 'registry';
  if (!REFERENCE.test(text)) return undefined;
  const ref = parseImage(text);
  // A whole reference names a tag or digest; a repository parameter names neither.
  if (ref.tag || ref.digest) return 'spec';
  return ['repository', 'name', 'image'].includes(leaf) ? 'repo' : undefined;
}

/** Parameters grouped as charts name them: by prefix (`image.repository` + `image.tag`). */
function imageParams(doc: Doc, params: YAMLSeq): Map<string, ImageParam[]> {
  const groups = new Map<string, ImageParam[]>();
  for (const item of params.items) {
    if (!isMap(item)) continue;
    const name = lookup(doc, item, 'name')?.value;
    const value = lookup(doc, item, 'value')?.value;
    if (!isScalar(name) || !isScalar(value) || value.value === null || value.value === undefined) continue;
    const full = String(name.value);
    const dot = full.lastIndexOf('.');
    const leaf = full.slice(dot + 1).toLowerCase();
    const text = String(value.value);
    const role = roleOf(leaf, text);
    if (!role) continue;
    const prefix = dot >= 0 ? full.slice(0, dot) : '';
    groups.set(prefix, [...(groups.get(prefix) ?? []), { name: full, value, role }]);
  }
  return groups;
}

/**
 * Change the Helm parameter of an override file (or an Application's own `helm.parameters`) that
 * sets the asked image. The file decides when
 * it lists parameters (a merge patch replaces the list whole): true when the image is set there,
 * false when none of its parameters sets it (the values files decide).
 */
export function planHelmParameter(
  set: EditSet,
  r: ResolvedApp,
  path: string,
  f: YamlFile,
  doc: Doc,
  params: YAMLSeq,
  wish: ReturnType<typeof parseWish>,
  running: Set<string>,
  /** `--path`: the parameter (`b.image.tag`) or its prefix (`b.image`) when several set the image. */
  pointed: string | undefined,
): boolean {
  // The image a parameter group names must be the asked one; a bare tag means the app's only image.
  const wanted = (repo: string | undefined) => {
    // A group with no repository parameter sets the app's only image, whichever way it is named.
    if (repo === undefined)
      return running.size <= 1 && (!wish.repo || running.size === 0 || running.has(canonicalRepo(wish.repo)));
    return wish.repo
      ? canonicalRepo(repo) === canonicalRepo(wish.repo)
      : running.size <= 1 && (running.size === 0 || running.has(canonicalRepo(repo)));
  };
  // Surely this image's repository: named by the wish, or running.
  const surely = (repo: string) =>
    wish.repo ? canonicalRepo(repo) === canonicalRepo(wish.repo) : running.has(canonicalRepo(repo));
  const targets: { param: ImageParam; after: string; before: string }[] = [];
  const mentioned: string[] = [];
  for (const group of imageParams(doc, params).values()) {
    for (const p of group.filter((g) => g.role === 'spec')) {
      const ref = parseImage(String(p.value.value));
      if (!wanted(ref.repo)) continue;
      // The reference keeps its own spelling (grafana/grafana stays short) unless the wish names
      // another repository.
      const same = wish.repo && canonicalRepo(wish.repo) === canonicalRepo(ref.repo);
      const after = formatImage(applyWish(ref, same ? { ...wish, repo: undefined } : wish));
      targets.push({ param: p, before: String(p.value.value), after });
    }
    const tag = group.find((g) => g.role === 'tag');
    const repoParam = group.find((g) => g.role === 'repo');
    const registry = group.find((g) => g.role === 'registry');
    const repo = repoParam
      ? [registry?.value.value, repoParam.value.value].filter((x) => x !== undefined && x !== '').join('/')
      : undefined;
    if (repo !== undefined && surely(repo) && !tag) mentioned.push(repoParam!.name);
    if (group.some((g) => g.role === 'digest'))
      throw new InputError(
        `${path} pins ${r.ref}'s image by a digest parameter (${group.find((g) => g.role === 'digest')!.name}); a new tag would still run the pinned build.`,
        { hint: `Change the digest parameter by hand, or remove it so the tag decides.` },
      );
    if (!tag || !wanted(repo)) continue;
    // A digest goes with the tag as Image Updater writes it (GetTagWithDigest: tag@sha256:…).
    const after = wish.tag ? `${wish.tag}${wish.digest ? `@${wish.digest}` : ''}` : undefined;
    if (!after)
      throw new InputError(
        `${path} sets ${r.ref}'s tag in Helm parameter ${tag.name}; a digest alone cannot go there.`,
        {
          hint: `Give a tag: gitops bump ${r.ref} <tag>.`,
        },
      );
    targets.push({ param: tag, before: String(tag.value.value), after });
  }
  if (!targets.length) {
    // The file names the image's repository but no tag next to it (a chart's own parameter
    // names): a values.yaml change would not take effect, so say so rather than edit it.
    if (mentioned.length)
      throw new InputError(
        `${path} sets ${r.ref}'s image through Helm parameters (${mentioned.join(', ')}) that deckhand cannot read as a tag.`,
        {
          hint: `Change ${path} by hand, or name the tag parameter <prefix>.tag as Image Updater's default does.`,
        },
      );
    return false;
  }
  const chosen =
    pointed && !/\.ya?ml$/.test(pointed)
      ? targets.filter((t) => t.param.name === pointed || t.param.name.startsWith(`${pointed}.`))
      : targets;
  if (pointed && !chosen.length)
    throw new InputError(
      `--path ${pointed} names none of the Helm parameters of ${path} that set ${r.ref}'s image (${targets.map((t) => t.param.name).join(', ')}).`,
    );
  if (chosen.length > 1)
    throw new InputError(
      `${path} sets several images of ${r.ref} through Helm parameters (${chosen.map((t) => t.param.name).join(', ')}); say which one.`,
      {
        hint: `Give the whole reference (gitops bump ${r.ref} <repository>:<tag>), or the parameter: --path ${chosen[0]!.param.name}.`,
      },
    );
  const { param, before, after } = chosen[0] as (typeof chosen)[number];
  const label = `helm.parameters[${param.name}]`;
  if (after === before) set.held(path, label, before);
  else {
    f.setScalar(param.value, after);
    set.changed(path, label, before, after);
  }
  return true;
}
