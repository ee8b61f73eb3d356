/**
 * A promotion as one change: every image the source environment runs that this one does not, each
 * planned as its own bump over the files the bumps before it already edited, and the values of
 * named keys copied whole into this app's files. Nothing else is written (guard/scope.ts checks).
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, type YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import { NoChangeError, type Plan, type Planner } from '../changes.ts';
import type { FileTree } from '../hosts/types.ts';
import type { ChangeIntent, PromotedKey } from '../intents.ts';
import { EditSet, normalize } from './edit-set.ts';
import { resolveSource } from './source.ts';
import { lookup, plain } from './yaml-edit.ts';
import { emitFlow, type Value } from './yaml-text.ts';

type Promotion = Extract<ChangeIntent, { kind: 'promote' }>;

/** A tree that reads the edits made so far over the one it wraps. */
function overlay(base: FileTree, edited: Map<string, string | null>): FileTree {
  return {
    read: async (path) => (edited.has(path) ? (edited.get(path) ?? undefined) : base.read(path)),
    list: (dir) => base.list(dir),
  };
}

/** `a.b.c` as keys; refused when a part is empty. */
export function keyPath(key: string): string[] {
  const parts = key.split('.');
  if (parts.some((p) => p === ''))
    throw new InputError(`${key} is not a key deckhand can follow (dotted mapping keys, like config.flags).`);
  return parts;
}

/** A value YAML can hold as it came (no null: a promotion copies values, it does not remove keys). */
function asValue(v: unknown, key: string): Value {
  if (v === null || v === undefined)
    throw new InputError(`${key} has no value to copy; deckhand copies values, it does not remove keys.`);
  return v as Value;
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

/** Set `key` in the app's `file` to the promoted value (the keys on the way must be mappings). */
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
  if (f.docs.length !== 1)
    throw new InputError(
      `${path} holds ${f.docs.length} YAML documents; deckhand copies keys in one-document files.`,
    );
  const doc = f.docs[0]!;
  const value = asValue(k.value, k.key);
  const parts = keyPath(k.key);
  let map: unknown = doc.contents;
  for (const [i, part] of parts.entries()) {
    if (!isMap(map)) throw new InputError(`${path}: ${parts.slice(0, i).join('.')} is not a mapping.`);
    const found = lookup(doc, map as YAMLMap, part);
    if (found && (found.merged || found.shared))
      throw new InputError(
        `${path}: ${parts.slice(0, i + 1).join('.')} comes from a shared YAML anchor; deckhand does not change it for one environment.`,
      );
    const last = i === parts.length - 1;
    if (!found) {
      // The rest of the path is new: written in one place, nested.
      const rest = parts.slice(i + 1).reduceRight<Value>((v, p) => ({ [p]: v }), value);
      f.addPairs(map as YAMLMap, { [part]: rest });
      set.changed(path, k.key, undefined, emitFlow(value));
      return;
    }
    if (last) {
      const before = plain(doc, found.value);
      if (isDeepStrictEqual(before, value)) return set.held(path, k.key, emitFlow(value));
      f.replaceValue(found.pair, value);
      set.changed(
        path,
        k.key,
        before === null || before === undefined ? undefined : emitFlow(before as Value),
        emitFlow(value),
      );
      return;
    }
    map = found.value;
  }
}
