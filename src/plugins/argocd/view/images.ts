/**
 * The images an application runs and where each comes from: the manifests in Git, an override on
 * the Application (`kustomize.images`, a Helm parameter), or Argo CD Image Updater — which, with
 * its default write-back method `argocd`, writes exactly such an override (argocd-image-updater
 * docs, "Update methods": "argocd … the Argo CD Application resource is modified"; with `git` it
 * commits `.argocd-source-<app>.yaml` or the configured kustomization/Helm values file instead).
 */
import { canonicalRepo, parseImage } from '../../../core/image-ref.ts';
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
  return {
    images: parseImageList(list),
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

export function readImages(
  deployed: string[],
  sources: SourceView[],
  updater: ImageUpdaterView | undefined,
  multi: boolean,
): ImageView[] {
  const where = (i: number) => (multi ? `spec.sources[${i}]` : 'spec.source');
  return deployed.map((image): ImageView => {
    const { repo, tag } = parseImage(image);
    const managed = updater?.images.find((u) => {
      const alias = u.alias ? updater.settings[u.alias] : undefined;
      const names = [u.image, alias?.['kustomize.image-name'], alias?.['helm.image-name']].filter(Boolean);
      return names.some((n) => sameRepo(n as string, repo));
    });
    for (const s of sources) {
      const k = s.kustomizeImages.find((e) => kustomizeTarget(e).names.some((n) => sameRepo(n, repo)));
      const p = !k
        ? s.helmParameters.find(
            (hp) =>
              (tag !== undefined && hp.value === tag && /tag|version/i.test(hp.name)) ||
              (/image|repository/i.test(hp.name) && sameRepo(parseImage(hp.value).repo, repo)),
          )
        : undefined;
      if (!k && !p) continue;
      const detail = k ? `${where(s.index)}.kustomize.images` : `Helm parameter ${p?.name}`;
      if (managed && updater?.writeBack === 'argocd')
        return { image, origin: 'image-updater', detail, ...(managed.alias ? { alias: managed.alias } : {}) };
      return { image, origin: 'override', detail };
    }
    if (managed && updater?.writeBack === 'git')
      return {
        image,
        origin: 'image-updater',
        detail: `written to Git by Image Updater (${updater.target ?? '.argocd-source file'})`,
        ...(managed.alias ? { alias: managed.alias } : {}),
      };
    if (managed)
      return {
        image,
        origin: 'git',
        detail: 'watched by Image Updater, which has not overridden it yet',
        ...(managed.alias ? { alias: managed.alias } : {}),
      };
    return { image, origin: 'git' };
  });
}
