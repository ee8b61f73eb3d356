/**
 * A promotion as one change: every image the source environment runs that this one does not, each
 * planned as its own bump over the files the bumps before it already edited, and the values of
 * named keys copied whole into this app's files. Nothing else is written (guard/scope.ts checks).
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, type Pair, type YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import { NoChangeError, type Plan, type Planner } from '../changes.ts';
import type { FileTree } from '../hosts/types.ts';
import type { ChangeIntent, PromotedKey } from '../intents.ts';
import { EditSet, normalize } from './edit-set.ts';
import { resolveSource } from './source.ts';
import { lookup, plain, YamlFile, type Doc } from './yaml-edit.ts';
import { emitFlow, type Value } from './yaml-text.ts';

type Promotion = Extract<ChangeIntent, { kind: 'promote' }>;

/** A tree that reads the edits made so far over the one it wraps. */
function overlay(base: FileTree, edited: Map<string, string | null>): FileTree {
  return {
    read: async (path) => (edited.has(path) ? (edited.get(path) ?? undefined) : base.read(path)),
    list: (dir) => base.list(dir),
  };
}

/** `a.b.c` as keys; refused when a part is empty or names what every object has. */
export function keyPath(key: string): string[] {
  const parts = key.split('.');
  if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype'))
    throw new InputError(`${key} is not a key deckhand can follow (dotted mapping keys, like config.flags).`);
  return parts;
}

/** The pair a path of keys leads to in a one-document file, or undefined when a key is missing. */
function pairAt(f: YamlFile, parts: string[]): { map: YAMLMap; pair: Pair; doc: Doc } | undefined {
  if (f.docs.length !== 1)
    throw new InputError(
      `${f.path} holds ${f.docs.length} YAML documents; deckhand copies keys in one-document files.`,
    );
  const doc = f.docs[0] as Doc;
  let node: unknown = doc.contents;
  for (const [i, part] of parts.entries()) {
    if (!isMap(node))
      throw new InputError(`${f.path}: ${parts.slice(0, i).join('.') || 'the document'} is not a mapping.`);
    const found = lookup(doc, node as YAMLMap, part);
    if (!found) return undefined;
    if (found.merged || found.shared)
      throw new InputError(
        `${f.path}: ${parts.slice(0, i + 1).join('.')} comes from a shared YAML anchor; deckhand does not copy it.`,
      );
    if (i === parts.length - 1) return { map: node as YAMLMap, pair: found.pair, doc };
    node = found.value;
  }
  return undefined;
}

/** A key's value in a source file, as written and as read; undefined when the file does not set it. */
export function readKey(
  path: string,
  text: string,
  key: string,
): { text: string; value: unknown } | undefined {
  const f = new YamlFile(path, text);
  const at = pairAt(f, keyPath(key));
  if (!at) return undefined;
  const value = plain(at.doc, at.pair.value);
  if (value === null || value === undefined) return undefined;
  return { text: f.valueText(at.pair), value };
}

export async function planPromotion(
  one: Planner,
  r: ResolvedApp,
  files: FileTree,
  intent: Promotion,
): Promise<Plan> {
  const edited = new Map<string, string | null>();
  const original = new Map<string, string>();
  const summary: string[] = [];
  const held: string[] = [];
  const keep = (plan: Plan) => {
    for (const c of plan.changes) {
      if (!original.has(c.path) && !edited.has(c.path)) original.set(c.path, c.before);
      edited.set(c.path, c.after);
    }
    summary.push(...plan.summary);
  };
  for (const image of intent.images) {
    try {
      keep(await one(r, overlay(files, edited), { kind: 'image', image }));
    } catch (err) {
      if (!(err instanceof NoChangeError)) throw err;
      held.push(err.message.replace(/^Nothing to change: /, '').replace(/\.$/, ''));
    }
  }
  if (intent.keys?.length) {
    const tree = overlay(files, edited);
    const src = await resolveSource(r, new EditSet(tree, ''));
    const set = new EditSet(tree, src.path);
    for (const k of intent.keys) await copyKey(set, src.path, k);
    try {
      keep(await set.plan());
    } catch (err) {
      if (!(err instanceof NoChangeError)) throw err;
      held.push(err.message.replace(/^Nothing to change: /, '').replace(/\.$/, ''));
    }
  }
  const changes = [...edited].map(([path, after]) => ({ path, before: original.get(path) ?? '', after }));
  if (!changes.length)
    throw new NoChangeError(`Nothing to change: ${held.join('; ') || 'the files already say so'}.`);
  return { changes: changes.sort((a, b) => a.path.localeCompare(b.path)), summary };
}

/** Set `key` in the app's `file` to the promoted value, written as the source writes it. */
async function copyKey(set: EditSet, appPath: string, k: PromotedKey): Promise<void> {
  const path = normalize(k.file);
  if (!path || !set.owns(path))
    throw new InputError(
      `${k.file} is outside the app's path (${appPath || '/'}); deckhand does not copy into it.`,
    );
  const f = await set.open(path);
  if (!f)
    throw new InputError(
      `${path} does not exist in the target environment; deckhand copies keys into existing files.`,
    );
  if (k.value === null || k.value === undefined)
    throw new InputError(`${k.key} has no value to copy; deckhand copies values, it does not remove keys.`);
  const parts = keyPath(k.key);
  const shown = shortValue(k.value);
  const at = pairAt(f, parts);
  if (at) {
    const before = plain(at.doc, at.pair.value);
    if (isDeepStrictEqual(before, k.value) && f.valueText(at.pair) === k.text)
      return set.held(path, k.key, shown);
    f.replaceValueText(at.map, at.pair, k.text);
    set.changed(path, k.key, before === null || before === undefined ? undefined : shortValue(before), shown);
    return;
  }
  // The nearest mapping on the way that exists takes the rest of the path, nested, in one place.
  for (let i = parts.length - 1; i >= 0; i--) {
    const parent = i === 0 ? undefined : pairAt(f, parts.slice(0, i));
    const doc = f.docs[0] as Doc;
    const map = i === 0 ? doc.contents : parent?.pair.value;
    if (i > 0 && !parent) continue;
    if (!isMap(map))
      throw new InputError(`${path}: ${parts.slice(0, i).join('.') || 'the document'} is not a mapping.`);
    f.addKeyText(map as YAMLMap, parts.slice(i), k.text);
    set.changed(path, k.key, undefined, shown);
    return;
  }
}

/** A value said in one short line. */
function shortValue(v: unknown): string {
  const text = emitFlow(v as Value);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
