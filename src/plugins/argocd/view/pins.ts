/**
 * Image pins on an Application: Image Updater's own `<alias>.allow-tags` annotation admitting one
 * tag (argocd-image-updater docs "Filtering tags": `regexp:<pattern>`), and the record deckhand
 * writes beside a pin it made — who pinned the image, why, when, and the allow-tags it replaced.
 * Read here (the Application's reader); written by the gitops plugin.
 */
import { IMAGE_UPDATER } from './images.ts';

export const PIN_PREFIX = 'deckhand.dev/pin.';

/** Image Updater's per-image annotation key (an alias's `/` is written `_`: normalizedSymbolicName). */
export const updaterKey = (alias: string, option: string) =>
  `${IMAGE_UPDATER}/${alias.replace(/\//g, '_')}.${option}`;

/** deckhand's record key beside an alias's pin (its `/` written `_`, as Image Updater's keys). */
export const pinRecordKey = (alias: string) => `${PIN_PREFIX}${alias.replace(/\//g, '_')}`;

const SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** The allow-tags value that admits exactly one tag (RE2 escapes these as JavaScript does). */
export const pinPattern = (tag: string) => `regexp:^${tag.replace(SPECIAL, '\\$&')}$`;

/** The one tag an allow-tags value admits, when it admits exactly one. */
export function pinnedTag(allowTags: string | undefined): string | undefined {
  const m = /^regexp:\^((?:\\.|[^\\.*+?^${}()|[\]])*)\$$/.exec(allowTags?.trim() ?? '');
  return m ? (m[1] as string).replace(/\\(.)/g, '$1') : undefined;
}

/** deckhand's record of a pin it made. */
export interface PinRecord {
  tag: string;
  by: string;
  reason: string;
  at: string;
  /** The allow-tags the pin replaced, put back by an unpin. */
  replaced?: string;
  /**
   * The override the pin added to the Application's source, where Git had none (Image Updater had
   * written it to the live Application only): an unpin takes it out again, so that Image Updater,
   * not Git, decides the image once more. The image's repository, or the Helm parameters' names.
   */
  added?: { kustomize?: string; helm?: string[] };
}

export function readPin(text: string | undefined): PinRecord | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<PinRecord>;
    if (typeof v.tag !== 'string' || typeof v.by !== 'string') return undefined;
    return {
      tag: v.tag,
      by: v.by,
      reason: String(v.reason ?? ''),
      at: String(v.at ?? ''),
      ...(typeof v.replaced === 'string' ? { replaced: v.replaced } : {}),
      ...(addedOf(v.added) ? { added: addedOf(v.added) } : {}),
    };
  } catch {
    return undefined;
  }
}

function addedOf(v: unknown): PinRecord['added'] {
  if (!v || typeof v !== 'object') return undefined;
  const { kustomize, helm } = v as { kustomize?: unknown; helm?: unknown };
  const out: PinRecord['added'] = {
    ...(typeof kustomize === 'string' ? { kustomize } : {}),
    ...(Array.isArray(helm) && helm.every((h) => typeof h === 'string') ? { helm: helm as string[] } : {}),
  };
  return out.kustomize || out.helm ? out : undefined;
}

/** An image pinned for Image Updater: the tag, and deckhand's record when deckhand pinned it. */
export interface ImagePin {
  tag: string;
  record?: PinRecord;
}

/** The pin of an alias, from an Application's annotations. */
export function pinOf(annotations: Record<string, string>, alias: string): ImagePin | undefined {
  const tag = pinnedTag(annotations[updaterKey(alias, 'allow-tags')]);
  if (!tag) return undefined;
  const record = readPin(annotations[pinRecordKey(alias)]);
  return { tag, ...(record && record.tag === tag ? { record } : {}) };
}
