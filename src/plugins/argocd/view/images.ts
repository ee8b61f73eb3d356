/**
 * The images an application runs and where each comes from: the manifests in Git, an override on
 * the Application (`kustomize.images`, a Helm parameter), or Argo CD Image Updater — which, with
 * its default write-back method `argocd`, writes exactly such an override (argocd-image-updater
 * docs, "Update methods": "argocd … the Argo CD Application resource is modified"; with `git` it
 * commits `.argocd-source-<app>.yaml` or the configured kustomization/Helm values file instead).
 */
import { canonicalRepo, parseImage } from '../../../core/image-ref.ts';
import { pinOf, type ImagePin } from './pins.ts';
import type { SourceView } from './sources.ts';

export const IMAGE_UPDATER = 'argocd-image-updater.argoproj.io';

export type ImageOrigin = 'git' | 'override' | 'image-updater';

export interface ImageView {
  /** As deployed (status.summary.images). */
  image: string;
  origin: ImageOrigin;
  /** Where exactly: `spec.source.kustomize.images`, `Helm parameter image.tag`, an Image Updater alias. */
  detail?: string;
  /** The Image Updater alias that manages it, if any. */
  alias?: string;
  /** Pinned for Image Updater to one tag (allow-tags), with deckhand's record when deckhand pinned it. */
  pin?: ImagePin;
}

export interface ImageUpdaterView {
  images: { alias?: string; image: string; constraint?: string }[];
  /** `argocd` (the default) keeps the image in the Application; `git` commits it to the repository. */
  writeBack: 'argocd' | 'git';
  /** `kustomization:<path>` or `helmvalues:<path>`, for write-back git. */
  target?: string;
  branch?: string;
  /** Per-alias settings (`<alias>.update-strategy`, `<alias>.allow-tags`, …). */
  settings: Record<string, Record<string, string>>;
  /** Aliases pinned to one tag. */
  pins: Record<string, ImagePin>;
}

/** `alias=repo/image:constraint, other` as the image-list annotation writes it. */
export function parseImageList(text: string): ImageUpdaterView['images'] {
  return text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const alias = eq > 0 ? p.slice(0, eq).trim() : undefined;
      const ref = parseImage(eq > 0 ? p.slice(eq + 1).trim() : p);
      return { ...(alias ? { alias } : {}), image: ref.repo, ...(ref.tag ? { constraint: ref.tag } : {}) };
    });
}

export function readImageUpdater(annotations: Record<string, string>): ImageUpdaterView | undefined {
  const list = annotations[`${IMAGE_UPDATER}/image-list`];
  if (!list?.trim()) return undefined;
  const method = (annotations[`${IMAGE_UPDATER}/write-back-method`] ?? 'argocd').trim();
  const settings: ImageUpdaterView['settings'] = {};
  for (const [k, v] of Object.entries(annotations)) {
    const m = new RegExp(`^${IMAGE_UPDATER.replace(/\./g, '\\.')}/([^.]+)\\.(.+)$`).exec(k);
    if (m) (settings[m[1] as string] ??= {})[m[2] as string] = v;
  }
  const images = parseImageList(list);
  const pins: ImageUpdaterView['pins'] = {};
  for (const { alias } of images) {
    const pin = alias ? pinOf(annotations, alias) : undefined;
    if (alias && pin) pins[alias] = pin;
  }
  return {
    images,
    pins,
    writeBack: method.startsWith('git') ? 'git' : 'argocd',
    target: annotations[`${IMAGE_UPDATER}/write-back-target`],
    branch: annotations[`${IMAGE_UPDATER}/git-branch`],
    settings,
  };
}

/** A kustomize `images` entry: `[name=]newName[:tag][@digest]`, or `name:tag` (kustomize edit set image). */
function kustomizeTarget(entry: string): { names: string[] } {
  const eq = entry.indexOf('=');
  const name = eq > 0 ? entry.slice(0, eq) : undefined;
  const ref = parseImage(eq > 0 ? entry.slice(eq + 1) : entry);
  return { names: [ref.repo, ...(name ? [parseImage(name).repo] : [])] };
}

const sameRepo = (a: string, b: string) => a === b || canonicalRepo(a) === canonicalRepo(b);

/**
 * The Helm parameter that sets an image, if one does. Parameters go in groups by prefix
 * (`image.repository` + `image.tag`, `api.image`): a group naming a repository claims only that
 * repository's image; a lone tag parameter claims an image only when no other deployed image has
 * the same tag (otherwise it says nothing about which one it sets).
 */
function helmOverride(
  params: { name: string; value: string }[],
  image: { repo: string; tag?: string },
  deployed: { repo: string; tag?: string }[],
): { name: string } | undefined {
  const groups = new Map<
    string,
    { repo?: { name: string; value: string }; tag?: { name: string; value: string } }
  >();
  for (const p of params) {
    const dot = p.name.lastIndexOf('.');
    const prefix = dot >= 0 ? p.name.slice(0, dot) : '';
    const leaf = (dot >= 0 ? p.name.slice(dot + 1) : p.name).toLowerCase();
    const g = groups.get(prefix) ?? {};
    if (leaf === 'tag' || leaf === 'version') g.tag = p;
    else if (leaf === 'repository' || leaf === 'image' || leaf === 'name') g.repo = p;
    else continue;
    groups.set(prefix, g);
  }
  for (const g of groups.values()) {
    if (g.repo) {
      const r = parseImage(g.repo.value);
      if (!sameRepo(r.repo, image.repo)) continue;
      if (g.tag && g.tag.value !== image.tag) continue;
      return g.tag ?? g.repo;
    }
    if (g.tag && image.tag !== undefined && g.tag.value === image.tag) {
      const sharing = deployed.filter((d) => d.tag === image.tag).length;
      if (sharing === 1) return g.tag;
    }
  }
  return undefined;
}

export function readImages(
  deployed: string[],
  sources: SourceView[],
  updater: ImageUpdaterView | undefined,
  multi: boolean,
): ImageView[] {
  const where = (i: number) => (multi ? `spec.sources[${i}]` : 'spec.source');
  const parsed = deployed.map((i) => parseImage(i));
  const aliasOf = (alias: string | undefined) =>
    alias ? { alias, ...(updater?.pins[alias] ? { pin: updater.pins[alias] } : {}) } : {};
  return deployed.map((image, n): ImageView => {
    const { repo, tag } = parsed[n] as { repo: string; tag?: string };
    const managed = updater?.images.find((u) => {
      const alias = u.alias ? updater.settings[u.alias] : undefined;
      const names = [u.image, alias?.['kustomize.image-name'], alias?.['helm.image-name']].filter(Boolean);
      return names.some((n) => sameRepo(n as string, repo));
    });
    for (const s of sources) {
      const k = s.kustomizeImages.find((e) => kustomizeTarget(e).names.some((n) => sameRepo(n, repo)));
      const p = !k ? helmOverride(s.helmParameters, { repo, ...(tag ? { tag } : {}) }, parsed) : undefined;
      if (!k && !p) continue;
      const detail = k ? `${where(s.index)}.kustomize.images` : `Helm parameter ${p?.name}`;
      if (managed && updater?.writeBack === 'argocd')
        return { image, origin: 'image-updater', detail, ...aliasOf(managed.alias) };
      return { image, origin: 'override', detail };
    }
    if (managed && updater?.writeBack === 'git')
      return {
        image,
        origin: 'image-updater',
        detail: `written to Git by Image Updater (${updater.target ?? '.argocd-source file'})`,
        ...aliasOf(managed.alias),
      };
    if (managed)
      return {
        image,
        origin: 'git',
        detail: 'watched by Image Updater, which has not overridden it yet',
        ...aliasOf(managed.alias),
      };
    return { image, origin: 'git' };
  });
}
