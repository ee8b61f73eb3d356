/**
 * `gitops bump <app>` with no tag (or `latest`): which image the app moves to. The container is the
 * one named, or the app's only image; the policy is the app's Image Updater annotations when it has
 * them (so deckhand and the updater agree), else the first `plugins.registry.policies` entry whose
 * glob matches, else semver — but only for a tag that is a version: deckhand does not guess
 * what "newer" means for `master-3f9c2e1`.
 */
import { ConflictError, InputError } from '../../../core/errors.ts';
import { globMatch } from '../../../core/glob.ts';
import { canonicalRepo, formatImage, parseImage } from '../../../core/image-ref.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import {
  compareTags,
  strategyOf,
  type NextImage,
  type RegistryService,
  type TagPolicy,
} from '../../registry/api.ts';
import type { Intent } from '../intents.ts';

/** Kinds whose pod template holds containers, and where (CronJob one level deeper). */
const TEMPLATE_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Rollout: ['spec', 'template', 'spec'],
};

interface Running {
  container: string;
  image: string;
  workload: string;
}

/** The containers Git asks for (Argo CD's target state), falling back to what runs. */
async function containersOf(r: ResolvedApp, signal?: AbortSignal): Promise<Running[]> {
  const items = await r.client.managedResources(r.locator, signal);
  const out: Running[] = [];
  for (const it of items) {
    const path = TEMPLATE_PATH[it.kind ?? ''];
    const state = it.targetState ?? it.liveState;
    if (!path || !state) continue;
    let spec: unknown;
    try {
      spec = path.reduce<unknown>(
        (o, k) => (o as Record<string, unknown> | undefined)?.[k],
        JSON.parse(state),
      );
    } catch {
      continue;
    }
    for (const c of (spec as { containers?: { name?: string; image?: string }[] })?.containers ?? [])
      if (c.name && c.image)
        out.push({ container: c.name, image: c.image, workload: `${it.kind}/${it.name}` });
  }
  return out;
}

function pickRunning(app: string, all: Running[], wanted?: string): Running {
  if (wanted) {
    const hit = all.find((c) => c.container === wanted);
    if (!hit)
      throw new InputError(
        `${app} has no container ${wanted}; its containers: ${[...new Set(all.map((c) => c.container))].join(', ') || 'none'}.`,
      );
    return hit;
  }
  const images = [...new Set(all.map((c) => c.image))];
  if (images.length === 1) return all[0] as Running;
  if (!images.length) throw new ConflictError(`${app} runs no container deckhand can see in its manifests.`);
  throw new InputError(
    `${app} runs several images (${all.map((c) => `${c.image} in ${c.container}`).join(', ')}); which one?`,
    { hint: 'Name the container with --container.' },
  );
}

/** The Image Updater settings for one image, as its annotations give them. */
function updaterPolicy(r: ResolvedApp, image: string): TagPolicy | undefined {
  const iu = r.view.imageUpdater;
  const entry = iu?.images.find((i) => canonicalRepo(i.image) === canonicalRepo(parseImage(image).repo));
  if (!iu || !entry) return undefined;
  // An alias's own setting wins; the app-wide annotation (`argocd-image-updater.argoproj.io/<key>`)
  // applies to every image, and is the only one an image without an alias can have.
  const own = (entry.alias && iu.settings[entry.alias]) || {};
  const appWide = (key: string) => r.view.annotations[`argocd-image-updater.argoproj.io/${key}`];
  const s: Record<string, string | undefined> = Object.fromEntries(
    ['update-strategy', 'allow-tags', 'ignore-tags'].map((k) => [k, own[k] ?? appWide(k)]),
  );
  const name = s['update-strategy'];
  const strategy = strategyOf(name);
  if (!strategy)
    throw new ConflictError(`${r.ref}'s Image Updater annotation names an unknown update strategy: ${name}.`);
  return {
    strategy,
    ...(entry.constraint ? { constraint: entry.constraint } : {}),
    ...(s['allow-tags'] ? { allowTags: s['allow-tags'] } : {}),
    ...(s['ignore-tags'] ? { ignoreTags: s['ignore-tags'].split(',').map((t) => t.trim()) } : {}),
  };
}

export const describePolicy = (p: TagPolicy): string =>
  `${p.strategy}${p.constraint ? ` ${p.constraint}` : ''}${p.allowTags ? `, allow ${p.allowTags}` : ''}${
    p.ignoreTags?.length ? `, ignore ${p.ignoreTags.join(' ')}` : ''
  }`;

const MAX_LISTED = 6;

/** What was passed over, briefly: the first few tags with why, then how many more. */
export function skippedLine(n: NextImage): string {
  if (!n.skipped.length) return '';
  const shown = n.skipped.slice(0, MAX_LISTED).map((s) => `${s.tag}: ${s.why}`);
  const more = n.skipped.length - shown.length;
  return `Left out: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}.`;
}

/**
 * The image intent for a bump without a tag, and the sentence that says how it was chosen; or a
 * message saying the app already runs the newest image.
 */
export async function nextImageIntent(
  r: ResolvedApp,
  registries: RegistryService,
  args: { container?: string },
  signal?: AbortSignal,
): Promise<{ intent: Intent; note: string } | { done: string }> {
  const running = pickRunning(r.ref, await containersOf(r, signal), args.container);
  const current = parseImage(running.image);
  const policy: TagPolicy | undefined =
    updaterPolicy(r, running.image) ?? registries.policyFor(r.app.metadata.name, globMatch);
  if (!policy && !/^v?\d+(\.\d+){0,2}([-+].*)?$/.test(current.tag ?? ''))
    throw new InputError(
      `${r.ref} runs ${running.image}, whose tag is not a version, and no policy says which tags are newer.`,
      {
        hint: 'Give the tag (gitops bump <app> <tag>), or add a plugins.registry.policies entry for the app (e.g. strategy newest-build with allowTags regexp:^master-).',
      },
    );
  const next = await registries.next(running.image, policy ?? { strategy: 'semver' }, signal);
  const how = describePolicy(next.policy);
  if (!next.tag)
    throw new ConflictError(
      `No tag of ${next.repo} qualifies under ${how} (${next.total} tags in the registry). ${skippedLine(next)}`.trim(),
    );
  const sameDigest = next.policy.strategy !== 'digest' || current.digest === next.digest;
  if (next.tag === current.tag && sameDigest)
    return {
      done: `${r.ref} already runs the newest image by ${how}: ${running.image}. ${skippedLine(next)}`.trim(),
    };
  // Image Updater would move back to the newest allowed version; a person asking for the newest
  // image would not expect a downgrade, so that is said instead of proposed.
  if (next.policy.strategy === 'semver' && current.tag && compareTags(next.tag, current.tag) < 0)
    return {
      done: `${r.ref} runs ${current.tag}, newer than anything ${how} allows (the newest is ${next.tag}); nothing to bump.`,
    };
  if (
    next.policy.strategy === 'newest-build' &&
    next.created &&
    next.currentCreated &&
    Date.parse(next.created) <= Date.parse(next.currentCreated)
  )
    return {
      done: `${r.ref} runs ${current.tag}, built ${next.currentCreated}; no tag ${how} allows was built later (the newest is ${next.tag}, built ${next.created}). ${skippedLine(next)}`.trim(),
    };
  const image = formatImage({
    repo: current.repo,
    tag: next.tag,
    ...(next.digest ? { digest: next.digest } : {}),
  });
  return {
    intent: { kind: 'image', image, container: running.container },
    note: `${running.container}: ${current.tag ?? running.image} → ${next.tag}${next.digest ? ` (${next.digest.slice(0, 19)}…)` : ''}, the newest by ${how}. ${skippedLine(next)}`.trim(),
  };
}
