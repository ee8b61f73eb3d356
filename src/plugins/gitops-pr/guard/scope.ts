/**
 * The last look before a planned change goes to Git: it may change only what its intent names.
 * A replicas intent writes replica counts, an image intent image references and tags, a resources
 * intent the asked limits/requests of one container, a restart the restart annotation. The check
 * reads the files themselves (before and after, as YAML values and as changed lines), not the
 * planner's summary, so a planner bug that edits one line too many is refused, not pushed.
 * Reverts and restores put back what was there; they are not checked here.
 */
import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { diffLines } from '../../../core/text/diff.ts';
import type { Plan } from '../changes.ts';
import { canonicalRepo } from '../../../core/image-ref.ts';
import { IMAGE_UPDATER, pinPattern, PIN_PREFIX, readPin } from '../../argocd/index.ts';
import { parseImage, parseWish, type ImageWish } from '../edit/image-ref.ts';
import { readKey } from '../edit/promotion.ts';
import { sameQuantity } from '../edit/quantity.ts';
import { RESTART_ANNOTATION } from '../edit/workload-tree.ts';
import type { ChangeIntent } from '../intents.ts';
import { changedLeaves, UnreadableYamlError, type Changed } from './yaml-leaves.ts';

/** A planned change that would write more than its intent asks for. Nothing was pushed. */
export class UnintendedEditError extends InputError {}

/** Keys that hold an image, or a part of one, in manifests, kustomizations and common values. */
const IMAGE_KEYS = new Set(['image', 'newName', 'newTag', 'tag', 'digest', 'repository']);
/** Of those, the ones a bump may remove: a new tag drops the old digest, a digest the old tag. */
const DROPPABLE = new Set(['digest', 'newTag']);

type Rule = (c: Changed) => boolean;

/**
 * Whether one changed value is what the intent asks for. Values files (no `kind`) have keys the
 * chart chooses (`web.instances`), so there the value itself must be the one asked for.
 */
function ruleFor(intent: ChangeIntent, changed: Changed[], file: string): Rule {
  const one = oneAlias();
  switch (intent.kind) {
    case 'promote': {
      // Each image as its own bump would allow it, and anything under a key copied into this file.
      const bumps = intent.images.map((image) => ruleFor({ kind: 'image', image }, changed, file));
      const under = (intent.keys ?? []).filter((k) => k.file === file).map((k) => k.key.split('.'));
      // An image goes only where an image is written, and a whole reference stays on its repository.
      const atImage = (c: Changed) => {
        const path = c.leaf.keys.join('.');
        return (
          IMAGE_KEYS.has(c.leaf.keys.at(-1) ?? '') ||
          /(^|\.)kustomize\.images$/.test(path) ||
          /(^|\.)helm\.parameters\.value$/.test(path)
        );
      };
      const sameRepo = ({ before, after }: Changed) => {
        const whole = (v: string) => v.includes('/') || /:[^/]*$/.test(v) || v.includes('@');
        if (!before || !after || !whole(before) || !whole(after)) return true;
        const repo = (v: string) => canonicalRepo(parseImage(v.slice(v.indexOf('=') + 1)).repo);
        return repo(before) === repo(after);
      };
      return (c) =>
        under.some((path) => path.every((p, i) => c.leaf.keys[i] === p)) ||
        (atImage(c) && sameRepo(c) && bumps.some((rule) => rule(c)));
    }
    case 'replicas':
      return ({ leaf, after }) =>
        after !== undefined &&
        Number(after) === intent.replicas &&
        (!leaf.kube || leaf.keys.includes('replicas'));
    case 'image': {
      const wish = parseWish(intent.image);
      return ({ leaf, before, after }) => {
        const key = leaf.keys.at(-1) ?? '';
        const onApplication = applicationLeaf(leaf.keys, after, wish);
        if (onApplication !== undefined) return onApplication && one(leaf.keys);
        if (leaf.kube && !IMAGE_KEYS.has(key)) return false;
        if (after === undefined) return before !== undefined && DROPPABLE.has(key);
        if (after === '') return key === 'digest';
        return mentions(after, wish);
      };
    }
    case 'resources':
      return ({ leaf, after }) => {
        const [part, name] = leaf.keys.slice(-2);
        if ((part !== 'limits' && part !== 'requests') || (name !== 'memory' && name !== 'cpu')) return false;
        const asked = intent[part]?.[name];
        return asked !== undefined && after !== undefined && sameQuantity(after, asked);
      };
    case 'restart':
      return ({ leaf, after }) => leaf.keys.at(-1) === RESTART_ANNOTATION && after === intent.at;
    case 'unpin': {
      // An unpin removes deckhand's record and the pin it wrote, puts back the allow-tags the pin
      // replaced, and takes out the override the pin added — exactly what the removed record says.
      const removed = changed.find(
        (c) =>
          c.leaf.keys.length === 3 && (c.leaf.keys[2] ?? '').startsWith(PIN_PREFIX) && c.after === undefined,
      );
      const record = readPin(removed?.before);
      const nameOf = (item: unknown) =>
        changed.find((c) => c.leaf.item === item && c.leaf.keys.at(-1) === 'name')?.before;
      return ({ leaf, before, after }) => {
        const path = leaf.keys.join('.');
        if (/(^|\.)kustomize\.images$/.test(path))
          return (
            after === undefined &&
            !!before &&
            !!record?.added?.kustomize &&
            mentions(before, { repo: record.added.kustomize, ...imageParts(before) })
          );
        if (/(^|\.)helm\.parameters\.(name|value|forcestring)$/.test(path))
          return after === undefined && (record?.added?.helm ?? []).includes(nameOf(leaf.item) ?? '');
        const [meta, annotations, key] = leaf.keys;
        if (meta !== 'metadata' || annotations !== 'annotations' || !key || leaf.keys.length !== 3)
          return false;
        if (key.startsWith(PIN_PREFIX)) return after === undefined && !!record && one(leaf.keys);
        if (key.startsWith(`${IMAGE_UPDATER}/`) && key.endsWith('.allow-tags'))
          return (
            !!record &&
            before === pinPattern(record.tag) &&
            after === (record.replaced ?? undefined) &&
            one(leaf.keys)
          );
        return false;
      };
    }
  }
}

/** The tag and digest a kustomize images entry holds, so that `mentions` compares only its repository. */
function imageParts(entry: string): { tag?: string; digest?: string } {
  const ref = parseImage(entry.slice(entry.indexOf('=') + 1));
  return { ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) };
}

/**
 * A pin concerns one image: every pin annotation a change writes names the same alias (a change
 * that also pinned or released another image would be a second change).
 */
function oneAlias(): (keys: string[]) => boolean {
  let seen: string | undefined;
  return (keys) => {
    const key = keys.length === 3 && keys[1] === 'annotations' ? (keys[2] as string) : '';
    const alias = key.startsWith(PIN_PREFIX)
      ? key.slice(PIN_PREFIX.length)
      : key.startsWith(`${IMAGE_UPDATER}/`)
        ? key.slice(IMAGE_UPDATER.length + 1).replace(/\.[^.]+$/, '')
        : undefined;
    if (alias === undefined) return true;
    seen ??= alias;
    return seen === alias;
  };
}

/**
 * An Application's own image settings (an image the Application sets is changed in its manifest,
 * edit/application-manifest.ts): its source's `kustomize.images` entries and Helm parameters, and
 * Image Updater's pin of the asked tag with deckhand's record of it. Undefined for other keys.
 */
function applicationLeaf(keys: string[], after: string | undefined, wish: ImageWish): boolean | undefined {
  const path = keys.join('.');
  if (/(^|\.)kustomize\.images$/.test(path)) return after !== undefined && mentions(after, wish);
  if (/(^|\.)helm\.parameters\.value$/.test(path)) return after !== undefined && mentions(after, wish);
  if (/(^|\.)helm\.parameters\.forcestring$/.test(path)) return after === 'true';
  const [meta, annotations, key] = keys;
  if (meta !== 'metadata' || annotations !== 'annotations' || !key || keys.length !== 3) return undefined;
  if (key.startsWith(`${IMAGE_UPDATER}/`) && key.endsWith('.allow-tags'))
    return !!wish.tag && after === pinPattern(wish.tag);
  if (key.startsWith(PIN_PREFIX)) return !!wish.tag && readPin(after)?.tag === wish.tag;
  return undefined;
}

/**
 * Whether a written value is the image asked for. A whole reference (`repo:tag`, a kustomize
 * `name=repo:tag` entry) must be that image exactly — `web-worker` is not `web`, and another
 * image given the same tag is not the one asked for; a bare value (a values file's `tag: 1.4.0`)
 * must be one of the parts asked.
 */
function mentions(value: string, wish: ImageWish): boolean {
  // A bare digest (`sha256:…`) is a part, not a reference.
  if (/^[a-z0-9]+:[a-fA-F0-9]{32,}$/.test(value)) return value === wish.digest;
  const text = value.includes('=') ? value.slice(value.indexOf('=') + 1) : value;
  if (text.includes('/') || /:[^/]*$/.test(text) || text.includes('@')) {
    const ref = parseImage(text);
    // Each part the value holds must be the part asked for (a newName holds only the repository).
    if (wish.repo ? canonicalRepo(ref.repo) !== canonicalRepo(wish.repo) : !ref.tag && !ref.digest)
      return false;
    if (ref.tag !== undefined && ref.tag !== wish.tag) return false;
    if (ref.digest !== undefined && ref.digest !== wish.digest) return false;
    return true;
  }
  return [wish.tag, wish.digest, wish.repo].some((part) => !!part && value === part);
}

/**
 * Image and resources intents name one container. Another container may change only the same
 * way at the same place (it shares the value through a YAML anchor); with no container named,
 * the planner's choice (the first container it changed) is the one.
 */
function containerRule(intent: ChangeIntent, inScope: Changed[]): Rule {
  // A promotion's images each name their repository; several containers may change.
  if (intent.kind !== 'image' && intent.kind !== 'resources') return () => true;
  const named = intent.container ?? inScope.find((c) => c.leaf.container)?.leaf.container?.name;
  const local = (c: Changed) => `${c.leaf.container?.keys.join('.')}=${c.after}`;
  const inNamed = new Set(inScope.filter((c) => c.leaf.container?.name === named).map(local));
  return (c) => !c.leaf.container || c.leaf.container.name === named || inNamed.has(local(c));
}

/** A key's value as a file writes it, or nothing when it cannot be read there. */
function readKeyOrNothing(path: string, text: string, key: string): string | undefined {
  try {
    return readKey(path, text, key)?.text;
  } catch {
    return undefined;
  }
}

/** A promotion writes each key's value exactly as the source environment has it. */
function checkCopiedValues(
  intent: Extract<ChangeIntent, { kind: 'promote' }>,
  plan: Plan,
  what: string,
): void {
  for (const k of intent.keys ?? []) {
    const c = plan.changes.find((x) => x.path === k.file);
    if (!c?.after) continue; // held: the file already says so
    let at: unknown = parse(c.after) as unknown;
    for (const p of k.key.split('.')) at = isRecord(at) && Object.hasOwn(at, p) ? at[p] : undefined;
    if (!isDeepStrictEqual(at, k.value) || readKeyOrNothing(c.path, c.after, k.key) !== k.text)
      throw new UnintendedEditError(
        `The change to ${what} would not write ${k.key} in ${k.file} as the source environment has it; deckhand does not open it.`,
        { hint: 'Nothing was pushed. This is a deckhand bug: please report it with the command you ran.' },
      );
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The key a YAML line writes (`  - name: web` → name, `limits: {memory: 1Gi}` → limits). */
function lineKey(line: string): string | undefined {
  const rest = line.replace(/^\s*(?:-\s+)*\{?\s*/, '');
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s#"'{[,][^#]*?))\s*:(?:\s|$)/.exec(rest);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/**
 * Lines a change wrote that none of its allowed values explains: a comment, a reformatted line,
 * a key the intent does not name. New files may carry comments (deckhand writes a header).
 */
function strayLines(
  before: string,
  after: string,
  keys: Set<string>,
  values: Set<string>,
  created: boolean,
): string[] {
  const lines = (t: string) => (t === '' ? [] : t.replace(/\r?\n$/, '').split(/\r?\n/));
  // A list item with no key (`- ghcr.io/team/web:1.2`, an .argocd-source images entry) is
  // explained by the allowed value it holds.
  // (with no comment: a comment is words the intent did not ask for)
  const item = (line: string) => /^\s*-\s+(?:"([^"]*)"|'([^']*)'|([^#'"\s]+))\s*$/.exec(line);
  return diffLines(lines(before), lines(after))
    .filter((e) => e.op !== ' ' && e.line.trim() !== '')
    .filter((e) => !(created && e.line.trim().startsWith('#')))
    .filter((e) => {
      const key = lineKey(e.line);
      if (key !== undefined) return !keys.has(key);
      const m = item(e.line);
      return !(m && values.has(m[1] ?? m[2] ?? m[3] ?? ''));
    })
    .map((e) => `${e.op}${e.line.trim()}`);
}

/** What one file's change does beyond the intent, said for a person. */
function straysIn(c: Plan['changes'][number], intent: ChangeIntent, created: Set<string>): string[] {
  if (c.after === null) return [`${c.path} would be deleted`];
  let changed: Changed[];
  try {
    changed = changedLeaves(c.before, c.after, c.path);
  } catch (e) {
    if (e instanceof UnreadableYamlError) return [`${c.path} could not be read as YAML (${e.message})`];
    throw e;
  }
  const isNew = c.before === '';
  const rule = ruleFor(intent, changed, c.path);
  const values = changed.filter((x) => !x.leaf.identity && rule(x));
  const sameContainer = containerRule(intent, values);
  const allowed = new Set(values.filter(sameContainer));
  const itemsWithValues = new Set([...allowed].map((x) => x.leaf.item));
  // Items whose values all go, every one of them allowed to (an unpin takes out what a pin added).
  const removedItems = new Set([...allowed].filter((x) => x.after === undefined).map((x) => x.leaf.item));
  for (const x of changed)
    if (!x.leaf.identity && x.after === undefined && !allowed.has(x)) removedItems.delete(x.leaf.item);
  for (const x of changed) {
    if (allowed.has(x)) continue;
    // A copied value may bring or take list items whole, names and all.
    if (intent.kind === 'promote' && x.leaf.identity && rule(x)) allowed.add(x);
    // A new list item (an images or replicas entry, a container in a new patch) is named by its
    // name or path: allowed with the value it carries; a removed one goes with its values.
    if (x.leaf.identity && x.before === undefined && itemsWithValues.has(x.leaf.item)) allowed.add(x);
    else if (x.leaf.identity && x.after === undefined && removedItems.has(x.leaf.item)) allowed.add(x);
    // A new patch file says what it patches; the kustomization lists it.
    else if (isNew && ['apiVersion', 'kind', 'metadata.name'].includes(x.leaf.keys.join('.'))) allowed.add(x);
    else if (
      x.leaf.identity &&
      x.before === undefined &&
      x.leaf.keys.join('.') === 'patches.path' &&
      created.has(posix.join(posix.dirname(c.path), x.after ?? ''))
    )
      allowed.add(x);
  }
  const strays = changed
    .filter((x) => !allowed.has(x))
    .map(
      (x) =>
        `${c.path}: ${x.leaf.id.replace(/^#\d+ /, '')} ${x.before ?? '(none)'} → ${x.after ?? '(removed)'}`,
    );
  const keys = new Set([...allowed].flatMap((x) => x.leaf.lineKeys));
  const allowedValues = new Set(
    [...allowed].flatMap((x) => [x.before, x.after].filter((v): v is string => !!v)),
  );
  // A copied value is written as the source writes it: its own lines are explained by it.
  const copied = new Set<string>();
  if (intent.kind === 'promote')
    for (const k of intent.keys ?? [])
      if (k.file === c.path) {
        k.key.split('.').forEach((p) => keys.add(p));
        for (const l of k.text.split('\n')) copied.add(l.trim());
        // …and the lines of the value it replaces go with it.
        const was = c.before ? readKeyOrNothing(c.path, c.before, k.key) : undefined;
        for (const l of was?.split('\n') ?? []) copied.add(l.trim());
      }
  const lines = strayLines(c.before, c.after, keys, allowedValues, isNew)
    .filter((l) => !copied.has(l.slice(1)) && !copied.has(l.slice(1).replace(/^[^:]*:\s?/, '')))
    .map((l) => `${c.path}: line ${l}`);
  return [...strays, ...lines];
}

/**
 * Refuse a plan that would write anything its intent does not name (see the file comment).
 * Throws UnintendedEditError listing what strays; returns quietly when every edit is asked for.
 */
export function checkScope(intent: ChangeIntent, plan: Plan, what: string): void {
  if (intent.kind === 'promote') checkCopiedValues(intent, plan, what);
  const created = new Set(plan.changes.filter((c) => c.before === '' && c.after !== null).map((c) => c.path));
  const strays = plan.changes.flatMap((c) => straysIn(c, intent, created));
  if (!strays.length) return;
  const shown = strays.slice(0, 5).join('; ');
  const more = strays.length > 5 ? ` and ${strays.length - 5} more` : '';
  throw new UnintendedEditError(
    `The change to ${what} would also write what it does not ask for (${shown}${more}); deckhand does not open it.`,
    { hint: 'Nothing was pushed. This is a deckhand bug: please report it with the command you ran.' },
  );
}
