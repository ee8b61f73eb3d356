/**
 * Parameter overrides stored in Git: Argo CD merges `.argocd-source.yaml` and then
 * `.argocd-source-<app>.yaml` (`<ns>_<app>` for an app outside the control plane namespace) from
 * the app's path into its source before rendering (docs user-guide/parameters.md "Store Overrides
 * In Git"; reposerver/repository/repository.go mergeSourceParameters). Image Updater's write-back
 * `git` writes its images there. An image such a file sets wins over every manifest, so a bump of
 * it is made in the file — the last one that sets it, as the last merge wins.
 */
import { isMap, isScalar, isSeq, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { canonicalRepo } from '../../../core/image-ref.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { ChangeIntent } from '../intents.ts';
import { join, type EditSet } from './edit-set.ts';
import { applyWish, formatImage, parseImage, parseWish, shortName } from './image-ref.ts';
import type { AppSource } from './source.ts';
import { lookup, type Doc } from './yaml-edit.ts';

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

const child = (doc: Doc | undefined, ...keys: string[]) => {
  let node: unknown = doc?.contents;
  for (const k of keys) {
    if (!doc || !isMap(node)) return undefined;
    node = lookup(doc, node as YAMLMap, k)?.value;
  }
  return node;
};

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
  for (const path of sourceFiles(r, src.path).reverse()) {
    const f = await set.open(path);
    if (!f) continue;
    const images = child(f.docs[0], 'kustomize', 'images');
    if (!isSeq(images)) continue;
    // A merge patch replaces a list whole: the last file that lists images is the one in effect,
    // and when it does not name this image, the manifests decide (no earlier file is looked at).
    const entries = images.items.filter((n): n is Scalar => isScalar(n) && typeof n.value === 'string');
    let matches = entries.filter((n) => {
      const e = entryRepo(String(n.value));
      return e.ref.repo === wish.repo || e.name === wish.repo;
    });
    if (!wish.repo) {
      // A bare tag names the app's image only when the app runs one image and the file sets it.
      const running = new Set((r.view.images ?? []).map((i) => canonicalRepo(parseImage(i.image).repo)));
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
    const next = formatImage(
      applyWish(e.ref, e.ref.repo === wish.repo ? { ...wish, repo: undefined } : wish),
    );
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
  return false;
}
