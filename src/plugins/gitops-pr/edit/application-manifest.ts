/**
 * An image the Application itself sets — an override in its source (`kustomize.images`, a Helm
 * parameter), which is exactly what Image Updater's write-back `argocd` writes — is changed where
 * the Application is kept: its manifest in the Git repository of the app of apps that manages it
 * (Argo CD's tracking annotation or instance label names that app). Changing the live Application
 * would be undone by the app of apps' next sync, and is not Git.
 *
 * For an image Image Updater manages, the change also pins it with Image Updater's own annotation
 * (`<alias>.allow-tags: regexp:^<tag>$`; argocd-image-updater docs "Filtering tags"), so the
 * automation does not move it again, and records who pinned it and why in `deckhand.dev/pin.<alias>`
 * (with the allow-tags it replaced, so an unpin puts that back).
 */
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { canonicalRepo } from '../../../core/image-ref.ts';
import {
  pinPattern,
  pinRecordKey,
  readPin,
  updaterKey,
  type AppLocator,
  type ImageView,
  type PinRecord,
  type ResolvedApp,
} from '../../argocd/index.ts';
import type { FileTree } from '../hosts/types.ts';
import type { EditSet } from './edit-set.ts';
import { join } from './edit-set.ts';
import { parseImage, parseWish } from './image-ref.ts';
import { planHelmParameter, planKustomizeImages, type YamlFile } from './source-file.ts';
import { lookup, nodeAt, plain, type Doc } from './yaml-edit.ts';

export const TRACKING_ID = 'argocd.argoproj.io/tracking-id';
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** Whether an image view says the Application's own source sets it (not the manifests, not a file). */
const setByApplication = (i: ImageView) =>
  (i.origin === 'override' || i.origin === 'image-updater') &&
  !!i.detail &&
  (i.detail.endsWith('.kustomize.images') || i.detail.startsWith('Helm parameter '));

/** The running image an image intent names (by repository, or the app's only image for a bare tag). */
function named(r: ResolvedApp, image: string): ImageView[] {
  const wish = parseWish(image);
  const images = r.view.images ?? [];
  if (!wish.repo) return images.length === 1 ? images : [];
  return images.filter((i) => canonicalRepo(parseImage(i.image).repo) === canonicalRepo(wish.repo as string));
}

/** The running image an image intent is about, when the Application itself sets it. */
export const imageOnApplication = (r: ResolvedApp, image: string): ImageView | undefined =>
  named(r, image).find(setByApplication);

/** The running image an image intent is about, when Image Updater writes it to Git (write-back git). */
export const imageWrittenByUpdater = (r: ResolvedApp, image: string): ImageView | undefined =>
  named(r, image).find((i) => i.origin === 'image-updater' && !!i.detail?.startsWith('written to Git'));

/**
 * The app of apps that manages an Application: the app named by Argo CD's tracking annotation
 * (`<app>:<group>/<kind>:<ns>/<name>`) or instance label; `<ns>_<name>` names an app outside
 * the control plane's namespace (argo-cd util/argo/resource_tracking.go).
 */
export function parentOf(app: ResolvedApp['app']): AppLocator | undefined {
  const id = app.metadata.annotations?.[TRACKING_ID];
  // The annotation names the app that applied it and the object it was applied as: this Application.
  const m = id ? /^([^:]+):argoproj\.io\/Application:([^/]*)\/(.+)$/.exec(id) : null;
  if (id && (!m || m[3] !== app.metadata.name)) return undefined;
  const owner = m ? m[1] : app.metadata.labels?.[INSTANCE_LABEL];
  if (!owner || owner === app.metadata.name) return undefined;
  const u = owner.indexOf('_');
  return u > 0 ? { namespace: owner.slice(0, u), name: owner.slice(u + 1) } : { name: owner };
}

/** The YAML files under a directory (recursively when asked), as Argo CD's directory source reads them. */
async function yamlFiles(tree: FileTree, dir: string, recurse: boolean, depth = 0): Promise<string[]> {
  const out: string[] = [];
  for (const name of await tree.list(dir)) {
    const p = join(dir, name) as string;
    if (/\.(ya?ml|json)$/.test(name) && (await tree.read(p)) !== undefined) out.push(p);
    else if (recurse && depth < 20) out.push(...(await yamlFiles(tree, p, recurse, depth + 1)));
  }
  return out;
}

/** The file (and document) under the app of apps' path that holds this Application's manifest. */
export async function findApplicationManifest(
  tree: FileTree,
  parent: { path: string; recurse: boolean },
  app: { name: string; namespace: string },
  open: (path: string) => Promise<YamlFile | undefined>,
): Promise<{ path: string; doc: number }> {
  const found: { path: string; doc: number }[] = [];
  for (const path of await yamlFiles(tree, parent.path, parent.recurse)) {
    // A cheap look first: most files under an app of apps are other Applications.
    const text = (await tree.read(path)) ?? '';
    if (!text.includes(app.name)) continue;
    const f = await open(path);
    f?.docs.forEach((d, i) => {
      const v = plain(d, d.contents) as { kind?: string; metadata?: { name?: string; namespace?: string } };
      if (
        v?.kind === 'Application' &&
        v.metadata?.name === app.name &&
        (v.metadata.namespace ?? app.namespace) === app.namespace
      )
        found.push({ path, doc: i });
    });
  }
  if (found.length === 1) return found[0] as { path: string; doc: number };
  throw new InputError(
    found.length
      ? `${app.name}'s Application is written in several places under ${parent.path || '/'} (${found.map((f) => f.path).join(', ')}).`
      : `${app.name}'s Application is not among the manifests under ${parent.path || '/'}, where its app of apps reads them.`,
    { hint: 'Change the image where the Application is kept, or ask the app of apps’ owners.' },
  );
}

export interface PinOrder {
  alias: string;
  by: string;
  reason: string;
  at: string;
}

/** The pin of an image Image Updater manages: by its alias, as its per-image annotations are keyed. */
export function pinFor(image: ImageView, by: string | undefined, reason: string, now: number): PinOrder {
  if (!image.alias)
    throw new InputError(
      `Image Updater manages ${image.image} without an alias, so it cannot be pinned: its per-image annotations are keyed by alias.`,
      {
        hint: 'Give the image an alias in argocd-image-updater.argoproj.io/image-list (alias=repository), then ask again.',
      },
    );
  return {
    alias: image.alias,
    by: by ?? 'deckhand',
    reason,
    at: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * Set the image in the Application's own source — the one of its sources that lists it — and pin
 * it for Image Updater when `pin` is given.
 */
export async function planOnApplication(
  set: EditSet,
  r: ResolvedApp,
  where: { path: string; doc: number },
  image: string,
  pin: PinOrder | undefined,
  pointed?: string,
): Promise<void> {
  const f = (await set.open(where.path)) as YamlFile;
  const doc = f.docs[where.doc] as Doc;
  const wish = parseWish(image);
  const running = new Set((r.view.images ?? []).map((i) => canonicalRepo(parseImage(i.image).repo)));
  const spec = nodeAt(doc, doc.contents, 'spec');
  const single = nodeAt(doc, spec, 'source');
  const many = nodeAt(doc, spec, 'sources');
  const sources = isMap(single) ? [single] : isSeq(many) ? many.items.filter(isMap) : [];
  let done = false;
  for (const src of sources) {
    const images = nodeAt(doc, src, 'kustomize', 'images');
    const params = nodeAt(doc, src, 'helm', 'parameters');
    if (isSeq(images) && planKustomizeImages(set, r, where.path, f, images, wish, running)) done = true;
    else if (isSeq(params) && planHelmParameter(set, r, where.path, f, doc, params, wish, running, pointed))
      done = true;
    if (done) break;
  }
  // Image Updater's write-back `argocd` writes the override to the live Application only: Git
  // has none yet, and the change adds it where Image Updater keeps it.
  const added = done ? undefined : addOverride(set, r, where.path, f, doc, sources[0], wish, pin?.alias);
  if (pin) await planPin(set, r, where, image, pin, added);
}

/**
 * Pin an image for Image Updater in its Application's manifest: `<alias>.allow-tags` admitting the
 * tag, and deckhand's record beside it. `added`: an override this change added where Git had none.
 */
export async function planPin(
  set: EditSet,
  r: ResolvedApp,
  where: { path: string; doc: number },
  image: string,
  pin: PinOrder,
  added?: PinRecord['added'],
): Promise<void> {
  const f = (await set.open(where.path)) as YamlFile;
  const doc = f.docs[where.doc] as Doc;
  const wish = parseWish(image);
  if (!wish.tag)
    throw new InputError(`Image Updater pins tags; ${image} names none.`, {
      hint: `Give a tag: gitops bump ${r.ref} <tag>.`,
    });
  const allowKey = updaterKey(pin.alias, 'allow-tags');
  const pinKey = pinRecordKey(pin.alias);
  const annotations = (plain(doc, nodeAt(doc, doc.contents, 'metadata', 'annotations')) ?? {}) as Record<
    string,
    string
  >;
  const earlier = readPin(annotations[pinKey]);
  // The allow-tags a person set (not a pin of ours) is kept in the record, for the unpin.
  const replaced = earlier ? earlier.replaced : annotations[allowKey];
  // What an earlier pin added stays the pin's to take out.
  const ours = added ?? earlier?.added;
  const record: PinRecord = {
    tag: wish.tag,
    by: pin.by,
    reason: pin.reason,
    at: pin.at,
    ...(replaced ? { replaced } : {}),
    ...(ours ? { added: ours } : {}),
  };
  const out = f.assign(doc, doc.contents as YAMLMap, {
    metadata: { annotations: { [allowKey]: pinPattern(wish.tag), [pinKey]: JSON.stringify(record) } },
  });
  for (const l of out.changed)
    if (l.path.endsWith(allowKey)) set.changed(where.path, `annotation ${allowKey}`, l.before, l.after);
  set.note(
    `${where.path}: Image Updater pinned to ${wish.tag} by ${pin.by}${earlier?.tag ? ` (was ${earlier.tag})` : ''}, recorded in ${pinKey}`,
  );
}

/**
 * Add the override to the Application's source as Image Updater writes it (pkg/argocd/update.go):
 * a kustomize `images` entry, or for Helm the parameters its `<alias>.helm.image-name`/`-tag`
 * annotations name (`image.name` and `image.tag` by default), with `forcestring`.
 */
function addOverride(
  set: EditSet,
  r: ResolvedApp,
  path: string,
  f: YamlFile,
  doc: Doc,
  src: YAMLMap | undefined,
  wish: ReturnType<typeof parseWish>,
  alias: string | undefined,
): PinRecord['added'] {
  const running = (r.view.images ?? []).map((i) => parseImage(i.image));
  const repo = wish.repo ?? (running.length === 1 ? running[0]?.repo : undefined);
  if (!src || !repo || !wish.tag)
    throw new InputError(
      `${path} does not set ${r.ref}'s image in the Application's source, and deckhand cannot tell which one to add.`,
      {
        hint: `Give the whole reference: gitops bump ${r.ref} <repository>:<tag>.`,
      },
    );
  const annotations = (plain(doc, nodeAt(doc, doc.contents, 'metadata', 'annotations')) ?? {}) as Record<
    string,
    string
  >;
  const setting = (option: string) => (alias ? annotations[updaterKey(alias, option)] : undefined);
  const helm = r.view.sources[0]?.tool === 'Helm' || isMap(nodeAt(doc, src, 'helm'));
  if (!helm) {
    const named = setting('kustomize.image-name');
    const entry = `${named ? `${named}=` : ''}${repo}:${wish.tag}`;
    const images = nodeAt(doc, src, 'kustomize', 'images');
    if (isSeq(images)) f.addItems(images, [entry]);
    else f.assign(doc, src, { kustomize: { images: [entry] } });
    set.changed(path, `spec.source.kustomize.images`, undefined, entry);
    return { kustomize: repo };
  }
  const params = [
    { name: setting('helm.image-name') ?? 'image.name', value: repo, forcestring: true },
    { name: setting('helm.image-tag') ?? 'image.tag', value: wish.tag, forcestring: true },
  ];
  const list = nodeAt(doc, src, 'helm', 'parameters');
  if (isSeq(list)) f.addItems(list, params);
  else f.assign(doc, src, { helm: { parameters: params } });
  for (const p of params) set.changed(path, `spec.source.helm.parameters[${p.name}]`, undefined, p.value);
  return { helm: params.map((p) => p.name) };
}

/** The alias an unpin is about: the one named, or the only image deckhand pinned. */
export function pinnedAlias(r: ResolvedApp, named: string | undefined): string {
  const pins = r.view.imageUpdater?.pins ?? {};
  const mine = Object.entries(pins).filter(([, p]) => p.record);
  if (named) {
    if (!pins[named])
      throw new InputError(`${r.ref} has no image ${named} pinned for Image Updater.`, {
        hint: mine.length ? `Pinned by deckhand: ${mine.map(([a]) => a).join(', ')}.` : undefined,
      });
    return named;
  }
  if (mine.length === 1) return (mine[0] as [string, unknown])[0];
  throw new InputError(
    mine.length
      ? `${r.ref} has several images pinned (${mine.map(([a, p]) => `${a} to ${p.tag}`).join(', ')}); say which.`
      : `deckhand pinned no image of ${r.ref} for Image Updater.`,
    mine.length ? { hint: `gitops unpin ${r.ref} --image ${mine[0]?.[0]}` } : {},
  );
}

/** Remove a pin: its record, and the allow-tags it wrote (the one it replaced comes back). */
export async function planUnpin(
  set: EditSet,
  where: { path: string; doc: number },
  alias: string,
): Promise<PinRecord> {
  const f = (await set.open(where.path)) as YamlFile;
  const doc = f.docs[where.doc] as Doc;
  const map = nodeAt(doc, doc.contents, 'metadata', 'annotations');
  const pinKey = pinRecordKey(alias);
  const allowKey = updaterKey(alias, 'allow-tags');
  const record = isMap(map) ? readPin(String(plain(doc, lookup(doc, map, pinKey)?.value) ?? '')) : undefined;
  if (!isMap(map) || !record)
    throw new InputError(`Image Updater's ${alias} image is not pinned by deckhand in ${where.path}.`);
  const pinPair = lookup(doc, map, pinKey)?.pair;
  const allowPair = lookup(doc, map, allowKey)?.pair;
  const allow = allowPair && isScalar(allowPair.value) ? String(allowPair.value.value) : undefined;
  // A pin someone set by hand since (another tag) is theirs: only deckhand's record goes.
  if (allowPair && allow === pinPattern(record.tag)) {
    if (record.replaced && isScalar(allowPair.value)) {
      f.setScalar(allowPair.value, record.replaced);
      set.changed(where.path, `annotation ${allowKey}`, allow, record.replaced);
    } else {
      f.removePair(map, allowPair);
      set.changed(where.path, `annotation ${allowKey}`, allow, '(removed)');
    }
    if (record.added) removeAdded(set, f, doc, where.path, record.added);
  }
  if (pinPair) f.removePair(map, pinPair);
  set.changed(where.path, `Image Updater pin of ${record.tag} (${pinKey})`, `by ${record.by}`, '(removed)');
  return record;
}

/**
 * Take out the override a pin added (Git had none): the kustomize images entry of the repository,
 * or the Helm parameters; a list left empty goes, and a `kustomize`/`helm` left empty with it.
 */
function removeAdded(
  set: EditSet,
  f: YamlFile,
  doc: Doc,
  path: string,
  added: NonNullable<PinRecord['added']>,
) {
  const spec = nodeAt(doc, doc.contents, 'spec');
  const single = nodeAt(doc, spec, 'source');
  const many = nodeAt(doc, spec, 'sources');
  for (const src of isMap(single) ? [single] : isSeq(many) ? many.items.filter(isMap) : []) {
    for (const [section, list, mine] of [
      ['kustomize', 'images', (n: unknown) => isScalar(n) && entryRepo(String(n.value)) === added.kustomize],
      [
        'helm',
        'parameters',
        (n: unknown) =>
          isMap(n) && (added.helm ?? []).includes(String(plain(doc, lookup(doc, n, 'name')?.value))),
      ],
    ] as const) {
      if ((section === 'kustomize' && !added.kustomize) || (section === 'helm' && !added.helm)) continue;
      const holder = nodeAt(doc, src, section);
      const seq = nodeAt(doc, holder, list);
      if (!isMap(holder) || !isSeq(seq)) continue;
      const gone = seq.items.filter(mine);
      if (!gone.length) continue;
      if (gone.length === seq.items.length) {
        // The whole list goes; and the section with it when the list was all it held.
        if (holder.items.length === 1) f.removePair(src, lookup(doc, src, section)!.pair);
        else f.removePair(holder, lookup(doc, holder, list)!.pair);
      } else for (const item of gone) f.removeItem(seq, item);
      set.changed(path, `spec.source.${section}.${list}`, `${gone.length} added by the pin`, '(removed)');
    }
  }
}

/** The repository a kustomize images entry sets (`[name=]repo[:tag][@digest]`). */
const entryRepo = (text: string) => parseImage(text.slice(text.indexOf('=') + 1)).repo;
