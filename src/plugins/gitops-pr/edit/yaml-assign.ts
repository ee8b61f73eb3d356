/**
 * Setting several values in a mapping at once, through the minimal edits of YamlFile: replace
 * what differs, add what is missing (nested, in one place per mapping), leave what holds.
 */
import { isMap, isScalar } from 'yaml';
import type { Scalar, YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { YamlFile } from './yaml-edit.ts';
import type { Doc } from './yaml-nav.ts';
import { isEmpty, lookup } from './yaml-nav.ts';
import { isValueMap } from './yaml-text.ts';
import type { Value, ValueMap } from './yaml-text.ts';

/** One leaf of an assignment: its dotted path, the value it had (if any) and the one asked for. */
export type Leaf = { path: string; before?: string; after: string; shared: boolean };

export interface AssignOptions {
  same?: (before: string, after: string, path: string) => boolean;
  prefix?: string;
  shared?: boolean;
}

function leaves(v: Value, at: string): Leaf[] {
  if (isValueMap(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, `${at}.${k}`));
  return [{ path: at, after: String(v), shared: false }];
}

/**
 * Set the leaves of `tree` under `map`: scalars that differ are replaced, missing keys are added
 * (all new keys of one mapping in one place), and keys with no value get a block. `same` decides
 * equality (quantities compare by amount). Returns the leaves that changed and those that held.
 */
export function assign(
  file: YamlFile,
  doc: Doc,
  map: YAMLMap,
  tree: ValueMap,
  opts: AssignOptions = {},
): { changed: Leaf[]; kept: Leaf[] } {
  const out = { changed: [] as Leaf[], kept: [] as Leaf[] };
  const missing: ValueMap = {};
  const prefix = opts.prefix ? `${opts.prefix}.` : '';
  for (const [key, want] of Object.entries(tree)) {
    const at = `${prefix}${key}`;
    const found = lookup(doc, map, key);
    const shared = !!opts.shared || !!found?.shared;
    if (isValueMap(want)) {
      if (found && isMap(found.value)) {
        const sub = assign(file, doc, found.value, want, { ...opts, prefix: at, shared });
        out.changed.push(...sub.changed);
        out.kept.push(...sub.kept);
      } else if (found && !found.merged && isEmpty(found.value)) {
        file.fillEmpty(found.pair, want);
        out.changed.push(...leaves(want, at));
      } else if (!found || found.merged) {
        missing[key] = want;
        out.changed.push(...leaves(want, at));
      } else
        throw new InputError(
          `${file.path}: ${at} is not a mapping, so deckhand cannot set ${Object.keys(want).join(', ')} in it.`,
        );
      continue;
    }
    const after = String(want);
    if (found && isScalar(found.value) && found.value.value !== null) {
      const before = String(found.value.value);
      const same = opts.same?.(before, after, at) ?? before === after;
      if (same) out.kept.push({ path: at, before, after, shared });
      else if (found.merged) {
        missing[key] = want as Value;
        out.changed.push({ path: at, before, after, shared: false });
      } else {
        file.setScalar(found.value, want as string | number | boolean);
        out.changed.push({ path: at, before, after, shared: shared || file.isShared(doc, found.value) });
      }
    } else if (found && !found.merged && !isEmpty(found.value))
      throw new InputError(
        `${file.path}: ${at} is not a single value, so deckhand cannot set it to ${after}.`,
      );
    else if (found && !found.merged) {
      file.setScalar(found.value as Scalar, want as string);
      out.changed.push({ path: at, after, shared });
    } else {
      missing[key] = want as Value;
      out.changed.push({ path: at, after, shared: false });
    }
  }
  if (Object.keys(missing).length) file.addPairs(map, missing);
  return out;
}
