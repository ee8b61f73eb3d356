/**
 * Image and replicas of one workload, in plain manifests or through kustomize layers: what sets
 * them last wins (the manifest, then each layer's patches, then its `images:` or `replicas:`
 * entry); the change goes there when the app owns that file, else a new entry in the app's own
 * kustomization.
 */
import { isMap } from 'yaml';
import type { YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { ChangeIntent } from '../intents.ts';
import type { EditSet } from './edit-set.ts';
import type { Field, Setter, Target } from './fields.ts';
import { nest, scalarText, setAt, settersOf } from './fields.ts';
import { applyWish, formatImage, parseImage, parseWish, shortName } from './image-ref.ts';
import type { ImageRef, ImageWish } from './image-ref.ts';
import type { Layer } from './kustomize.ts';
import { appendTo, listOf } from './kustomize.ts';
import { describe, pickContainer, str } from './workloads.ts';
import type { ValueMap } from './yaml-text.ts';

export interface Scope {
  set: EditSet;
  r: ResolvedApp;
  t: Target;
  /** The app's own kustomization, when the app is kustomize. */
  top?: Layer;
}

const entryIn = (layer: Layer, list: string, names: string[]): YAMLMap | undefined =>
  listOf(layer.doc, layer.root, list).find(
    (i): i is YAMLMap => isMap(i) && names.includes(str(layer.doc, i, 'name') ?? ''),
  );

/** Setters grouped by layer, innermost first, each layer's patches before its own transformer entry. */
function* byLayer(s: Scope, setters: Setter[]): Generator<{ layer?: Layer; setters: Setter[] }> {
  yield { setters: setters.filter((x) => !x.patch) };
  for (const layer of [...s.t.chain].reverse())
    yield { layer, setters: setters.filter((x) => x.patch?.layer === layer) };
}

export async function planImage(s: Scope, intent: Extract<ChangeIntent, { kind: 'image' }>): Promise<void> {
  const wish = parseWish(intent.image);
  const w = s.t.workload;
  const c = pickContainer(w, intent.container, wish.repo);
  const f: Field = { container: c, keys: ['image'] };
  let cur: ImageRef = parseImage(c.image ?? '');
  let last: { setter?: Setter; layer?: Layer; entry?: YAMLMap; name?: string } | undefined;
  for (const group of byLayer(s, settersOf(s.t, f))) {
    for (const setter of group.setters) {
      cur = parseImage(scalarText(setter.value) ?? '');
      last = { setter };
    }
    const entry = group.layer && entryIn(group.layer, 'images', [cur.repo]);
    if (group.layer && entry) {
      last = { layer: group.layer, entry, name: cur.repo };
      const d = group.layer.doc;
      const [newName, newTag, digest] = ['newName', 'newTag', 'digest'].map((k) => str(d, entry, k));
      cur = {
        repo: newName ?? cur.repo,
        ...(newTag || (!digest && cur.tag) ? { tag: newTag ?? cur.tag } : {}),
        ...(digest ? { digest } : {}),
      };
    }
  }
  const want = applyWish(cur, wish);
  const where = last?.setter?.file.path ?? last?.layer?.file.path ?? w.file.path;
  if (formatImage(want) === formatImage(cur))
    return s.set.held(where, `${describe(w)} container ${c.name}'s image`, formatImage(cur));
  if (last?.entry && last.layer && s.set.owns(last.layer.file.path))
    return editImageEntry(s, last.layer, last.entry, last.name as string, wish);
  if (last?.setter && s.set.owns(last.setter.file.path) && (!s.top || last.setter.patch)) {
    const next = formatImage(applyWish(parseImage(scalarText(last.setter.value) ?? ''), wish));
    return setAt(s.set, s.t, f, last.setter, next);
  }
  if (!s.top)
    throw new InputError(
      `${describe(w)} in ${w.file.path} gets its image from a file deckhand should not edit.`,
    );
  const entry = {
    name: cur.repo,
    ...(want.repo !== cur.repo ? { newName: want.repo } : {}),
    ...(want.tag ? { newTag: want.tag } : {}),
    ...(want.digest ? { digest: want.digest } : {}),
  };
  appendTo(s.top, 'images', entry);
  const what = Object.entries(entry)
    .slice(1)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  s.set.note(`${s.top.file.path}: images[${shortName(cur.repo)}] added (${what}; was ${formatImage(cur)})`);
}

function editImageEntry(s: Scope, layer: Layer, entry: YAMLMap, name: string, wish: ImageWish): void {
  const { doc, file } = layer;
  const effective = str(doc, entry, 'newName') ?? name;
  const tree: ValueMap = {};
  if (wish.repo && wish.repo !== effective) tree.newName = wish.repo;
  if (wish.tag) tree.newTag = wish.tag;
  if (wish.digest) tree.digest = wish.digest;
  const at = `images[${shortName(name)}]`;
  const res = file.assign(doc, entry, tree);
  for (const l of res.changed) s.set.changed(file.path, `${at}.${l.path}`, l.before, l.after, l.shared);
  // A new tag with the old digest still pins the old build (and the reverse): drop the other one.
  const drop = wish.tag && !wish.digest ? 'digest' : wish.digest && !wish.tag ? 'newTag' : undefined;
  const pair = drop && entry.items.find((p) => String((p.key as { value?: unknown }).value) === drop);
  if (drop && pair) {
    file.removePair(entry, pair);
    s.set.note(`${file.path}: ${at}.${drop} ${str(doc, entry, drop)} removed`);
  }
}

export async function planReplicas(s: Scope, replicas: number): Promise<void> {
  if (!Number.isInteger(replicas) || replicas < 0)
    throw new InputError(`${replicas} is not a replica count: give a whole number, 0 or more.`);
  const w = s.t.workload;
  const f: Field = { keys: ['spec', 'replicas'] };
  let last: { setter?: Setter; layer?: Layer; entry?: YAMLMap; value?: string; file: string } | undefined;
  for (const group of byLayer(s, settersOf(s.t, f))) {
    for (const setter of group.setters)
      last = { setter, value: scalarText(setter.value), file: setter.file.path };
    const entry = group.layer && entryIn(group.layer, 'replicas', s.t.names);
    if (group.layer && entry)
      last = {
        layer: group.layer,
        entry,
        value: str(group.layer.doc, entry, 'count'),
        file: group.layer.file.path,
      };
  }
  if (last?.value !== undefined && Number(last.value) === replicas)
    return s.set.held(last.file, `${describe(w)} replicas`, last.value);
  if (last?.entry && last.layer && s.set.owns(last.file)) {
    const { file, doc } = last.layer;
    const res = file.assign(doc, last.entry, { count: replicas });
    for (const l of res.changed)
      s.set.changed(file.path, `replicas[${str(doc, last.entry, 'name')}].count`, l.before, l.after);
  } else if (last?.setter && s.set.owns(last.file)) setAt(s.set, s.t, f, last.setter, replicas);
  else if (!last && (!s.top || s.set.owns(w.file.path))) {
    const res = w.file.assign(w.doc, w.root, nest(f.keys, replicas));
    for (const l of res.changed) s.set.changed(w.file.path, `${describe(w)} ${l.path}`, l.before, l.after);
  } else if (s.top) {
    const name = s.t.names[0] as string;
    appendTo(s.top, 'replicas', { name, count: replicas });
    s.set.note(
      `${s.top.file.path}: replicas[${name}] added (count ${replicas}; was ${last?.value ?? 'unset'})`,
    );
  } else throw new InputError(`${describe(w)}'s replicas are set in a file deckhand should not edit.`);
  // Git is not the last word when an autoscaler owns the count: say so in the pull request.
  if ((s.r.app.status?.resources ?? []).some((x) => x.kind === 'HorizontalPodAutoscaler'))
    s.set.note(
      `note: ${s.r.ref} has a HorizontalPodAutoscaler; if it targets ${describe(w)}, it sets the replica count, not Git.`,
    );
}
