/**
 * What a person (or a remediation rule) asks to change, as typed intents. The same words as the
 * diagnosis fix intents: image, resources, replicas, restart, revert; and unpin, which releases an
 * image a change pinned for Image Updater.
 */
import { parseImage } from '../../core/image-ref.ts';

/** Where the change goes when deckhand cannot tell: a workload (`Deployment/web`), a file, or a values key. */
interface Pointed {
  path?: string;
}

export type ChangeIntent = Pointed &
  (
    | { kind: 'image'; image: string; container?: string }
    | { kind: 'replicas'; replicas: number }
    | {
        kind: 'resources';
        container?: string;
        limits?: { memory?: string; cpu?: string };
        requests?: { memory?: string; cpu?: string };
      }
    | { kind: 'restart'; at: string }
    /** Release an image deckhand pinned for Image Updater (`alias`: which, when several are). */
    | { kind: 'unpin'; alias?: string }
    /**
     * What another environment runs, copied into this app's files in one change: its images and
     * the values of named keys (`key` a dotted path of mapping keys).
     */
    | { kind: 'promote'; from: string; images: string[]; keys?: PromotedKey[] }
  );

/** A value a promotion copies: the source environment's value at `key`, into `file` (a repository path). */
export interface PromotedKey {
  file: string;
  key: string;
  /** The value as the source's file writes it (every line moved so that its key is at column 0). */
  text: string;
  /** What it reads as: the check that the target ends up with exactly this. */
  value: unknown;
}

export type RevertIntent = { kind: 'revert'; commit?: string; pullRequest?: number; toRevision?: string };

export type Intent = ChangeIntent | RevertIntent;

type ResourcesIntent = Extract<ChangeIntent, { kind: 'resources' }>;

/** A value worth saying: a non-empty string. An optional key that is present but undefined is not. */
const given = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/**
 * "memory limit 768Mi", one phrase per value the intent carries, in a fixed order. Built from the
 * values present only: `{ memory: '768Mi', cpu: undefined }` says the memory and nothing else.
 */
export function resourcePhrases(i: ResourcesIntent): string[] {
  const out: string[] = [];
  for (const [part, word] of [
    ['limits', 'limit'],
    ['requests', 'request'],
  ] as const)
    for (const name of ['memory', 'cpu'] as const) {
      const v = i[part]?.[name];
      if (given(v)) out.push(`${name} ${word} ${v.trim()}`);
    }
  return out;
}

/** What a bump goes to, as a person reads it: the tag, else a short digest, else what was given. */
function imageTarget(image: string): string {
  const text = image.trim();
  const short = (digest: string) => {
    const [algo, hex] = digest.split(':');
    return given(algo) && given(hex) ? `${algo}:${hex.slice(0, 7)}` : digest;
  };
  // A bare digest (`sha256:…`) would otherwise read as repository `sha256` with a 64-digit tag.
  if (/^[a-z0-9]+:[a-fA-F0-9]{32,}$/.test(text)) return short(text);
  const ref = parseImage(text);
  if (given(ref.tag)) return ref.tag;
  if (given(ref.digest)) return short(ref.digest);
  // A bare tag (`master-484af0a`) parses as a repository with neither: it is the tag.
  return text;
}

/**
 * A short phrase for pull request titles and commit subjects: "scale to 3 replicas", "bump image
 * to master-484af0a". Each part is said only when its value is there.
 */
export function describeIntent(i: Intent): string {
  switch (i.kind) {
    case 'image':
      return `bump ${given(i.container) ? `${i.container} ` : ''}image to ${imageTarget(i.image)}`;
    case 'replicas':
      return Number.isInteger(i.replicas)
        ? `scale to ${i.replicas} replica${i.replicas === 1 ? '' : 's'}`
        : 'change the replica count';
    case 'resources': {
      const parts = resourcePhrases(i);
      const what = parts.length ? `set ${parts.join(', ')}` : 'change resources';
      return `${what}${given(i.container) ? ` for ${i.container}` : ''}`;
    }
    case 'restart':
      return 'restart';
    case 'unpin':
      return `unpin ${given(i.alias) ? `${i.alias} ` : ''}image for Image Updater`;
    case 'promote': {
      const what = [
        ...(i.images.length === 1 ? [imageTarget(i.images[0] as string)] : []),
        ...(i.images.length > 1 ? [`${i.images.length} images`] : []),
        ...(i.keys?.length === 1 ? [(i.keys[0] as PromotedKey).key] : []),
        ...(i.keys && i.keys.length > 1 ? [`${i.keys.length} keys`] : []),
      ];
      return `promote ${what.join(' and ') || 'nothing'} from ${i.from}`;
    }
    case 'revert':
      if (Number.isInteger(i.pullRequest) && (i.pullRequest as number) > 0) return `revert #${i.pullRequest}`;
      if (given(i.commit)) return `revert ${i.commit.slice(0, 7)}`;
      if (given(i.toRevision)) return `roll back to ${i.toRevision.slice(0, 7)}`;
      return 'revert the last change';
  }
}
