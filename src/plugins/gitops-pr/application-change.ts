/**
 * Changes that go to an Application's manifest rather than to the app's own files: an image the
 * Application itself sets (an override, or Image Updater's write-back `argocd`), the release of a
 * pin, and the pin that goes with a bump of an image Image Updater writes to Git. The manifest is
 * where the app of apps that keeps the Application reads it (edit/application-manifest.ts).
 */
import { InputError, UpstreamError } from '../../core/errors.ts';
import type { ImageView, ResolvedApp } from '../argocd/index.ts';
import type { Plan } from './changes.ts';
import { NoChangeError } from './changes.ts';
import {
  findApplicationManifest,
  imageOnApplication,
  imageWrittenByUpdater,
  parentOf,
  pinFor,
  pinnedAlias,
  planOnApplication,
  planPin,
  planUnpin,
} from './edit/application-manifest.ts';
import { EditSet } from './edit/edit-set.ts';
import { applyWish, formatImage, parseImage, parseWish } from './edit/image-ref.ts';
import { kustomizationIn } from './edit/source.ts';
import { parseRepoUrl } from './hosts/repo-url.ts';
import type { FileTree } from './hosts/types.ts';
import { describeIntent, type Intent } from './intents.ts';
import { trackedBranch } from './tracked-branch.ts';

/** Where a change to an image the Application sets goes: the app of apps that keeps the Application. */
export interface ApplicationTarget {
  /** What the change is about: the image the Application sets, or the alias an unpin releases. */
  about: { image: ImageView } | { alias: string };
  parent: ResolvedApp;
  repoURL: string;
  branch: string | undefined;
  path?: string;
}

type Asked = { by: string; reason?: string } | undefined;

/**
 * Where an image intent goes when the Application itself sets the image, and where an unpin goes:
 * the app of apps that keeps the Application in Git. Undefined when the manifests or an override
 * file decide (the usual case).
 */
export async function applicationTarget(
  r: ResolvedApp,
  intent: Intent,
  signal?: AbortSignal,
): Promise<ApplicationTarget | undefined> {
  let about: ApplicationTarget['about'];
  if (intent.kind === 'unpin') about = { alias: pinnedAlias(r, intent.alias) };
  else if (intent.kind === 'image') {
    const image = imageOnApplication(r, intent.image);
    if (!image) return undefined;
    about = { image };
  } else return undefined;
  const locator = parentOf(r.app);
  if (!locator)
    throw new InputError(
      `${r.ref}'s Application sets its images itself, and no app of apps keeps that Application in Git.`,
      {
        hint: 'Change it where the Application is managed, or manage the Application from Git (an app of apps).',
      },
    );
  const parent = await r.client.get(locator, { signal }).catch((err: unknown) => {
    // Argo CD down or slow is said as such; a parent it does not show is said here.
    if (err instanceof UpstreamError) throw err;
    throw new InputError(
      `${r.ref}'s Application is kept by the app of apps ${locator.name}, which deckhand cannot read: ${(err as Error).message}`,
      { hint: `deckhand needs to read ${locator.name} to find the Application's manifest in Git.` },
    );
  });
  const keeper = { ...r, app: parent, ref: locator.name } as ResolvedApp;
  return { about, parent: keeper, ...trackedBranch(keeper) };
}

/** The Application's manifest among the files its app of apps reads. */
async function manifestOf(
  r: ResolvedApp,
  parent: ResolvedApp['app'],
  dir: string,
  set: EditSet,
  files: FileTree,
) {
  const src = parent.spec.source ?? parent.spec.sources?.[0];
  // A kustomization or a recursive directory reads below the path; a plain directory only in it.
  const recurse = !!src?.directory?.recurse || !!(await kustomizationIn(set, dir));
  return findApplicationManifest(
    files,
    { path: dir, recurse },
    { name: r.app.metadata.name, namespace: r.app.metadata.namespace ?? 'argocd' },
    (p) => set.open(p),
  );
}

/** The change in the Application's manifest (the files at the base of the target's branch). */
export async function planOnApplicationManifest(
  r: ResolvedApp,
  intent: Intent,
  t: ApplicationTarget,
  files: FileTree,
  asked: Asked,
  now: number,
): Promise<{ plan: Plan; path: string; intent: Intent }> {
  const set = new EditSet(files, '');
  const where = await manifestOf(r, t.parent.app, t.path ?? '', set, files);
  if ('alias' in t.about) {
    await planUnpin(set, where, t.about.alias);
    return { plan: await set.plan(), path: where.path, intent };
  }
  if (intent.kind !== 'image') throw new InputError(`deckhand changes only images in ${where.path}.`);
  const image = t.about.image;
  // A bare tag is the running image's: said whole, the parameters or entry written name it (and
  // the guard checks them against it).
  const wish = parseWish(intent.image);
  const whole = wish.repo
    ? intent
    : { ...intent, image: formatImage(applyWish(parseImage(image.image), wish)) };
  const pin =
    image.origin === 'image-updater'
      ? pinFor(image, asked?.by, asked?.reason ?? describeIntent(intent), now)
      : undefined;
  await planOnApplication(set, r, where, whole.image, pin, intent.path);
  return { plan: await set.plan(), path: where.path, intent: whole };
}

/**
 * The image an app runs once a change to its Application's manifest is live, when the app's own
 * revision cannot say so: the manifest is in another repository than the app's source, or the app
 * installs a chart (its revision is the chart's version).
 */
export function awaitedImage(
  r: ResolvedApp,
  intent: Intent,
  t: ApplicationTarget,
): { awaitImage?: string; previousImage?: string } {
  if (intent.kind !== 'image' || !('image' in t.about)) return {};
  const own = r.app.spec.source ?? r.app.spec.sources?.find((s) => !s.chart);
  if (own && !own.chart && sameRepo(own.repoURL, t.repoURL)) return {};
  const running = parseImage(t.about.image.image);
  // The way back, too: a revert of the app's own repository would not touch this change.
  return {
    awaitImage: formatImage(applyWish(running, parseWish(intent.image))),
    previousImage: t.about.image.image,
  };
}

/** Two spellings of one Git repository compare equal (scheme, `.git`, case of the host). */
const sameRepo = (a: string, b: string) => {
  const key = (u: string) => {
    const p = parseRepoUrl(u);
    return p ? `${p.host}/${p.path.toLowerCase()}` : u;
  };
  return key(a) === key(b);
};

/**
 * For an image Image Updater writes to Git (write-back git), the pin that keeps it from moving
 * the image back: in the Application's manifest, when its app of apps keeps it in the same
 * repository (one pull request); otherwise a line that says the pin is not made.
 */
export async function pinBeside(
  r: ResolvedApp,
  intent: Intent & { kind: 'image' },
  at: { repoURL: string; branch: string | undefined; files: FileTree },
  asked: Asked,
  now: number,
  signal?: AbortSignal,
): Promise<Plan | undefined> {
  const image = imageWrittenByUpdater(r, intent.image);
  if (!image) return undefined;
  const notPinned = (why: string): Plan => ({
    changes: [],
    summary: [`Not pinned for Image Updater (${why}): it may move the image again.`],
  });
  const locator = parentOf(r.app);
  if (!locator) return notPinned('no app of apps keeps the Application in Git');
  const parent = await r.client.get(locator, { signal }).catch(() => undefined);
  if (!parent) return notPinned(`its app of apps ${locator.name} cannot be read`);
  const t = trackedBranch({ ...r, app: parent, ref: locator.name } as ResolvedApp);
  if (!sameRepo(t.repoURL, at.repoURL))
    return notPinned(`the Application is kept in ${t.repoURL}, another repository`);
  // (a branch the app of apps does not read would carry a pin nobody applies)
  if ((t.branch ?? '') !== (at.branch ?? ''))
    return notPinned(
      `the app of apps reads ${t.branch ?? 'the default branch'}, not ${at.branch ?? 'the default branch'}`,
    );
  try {
    const set = new EditSet(at.files, '');
    const where = await manifestOf(r, parent, t.path ?? '', set, at.files);
    const pin = pinFor(image, asked?.by, asked?.reason ?? describeIntent(intent), now);
    await planPin(set, r, where, intent.image, pin);
    return await set.plan();
  } catch (e) {
    // The bump stands on its own: a pin that cannot be made is said, not a reason to refuse it.
    if (e instanceof NoChangeError) return undefined;
    if (e instanceof InputError) return notPinned(e.message.replace(/\.$/, ''));
    throw e;
  }
}
