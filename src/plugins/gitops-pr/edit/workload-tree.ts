/**
 * Resources and restart: settings under a workload's pod template, set where they win — the
 * app's own setter, an app-owned patch that already holds that part, the manifest when the app
 * owns it, else a new strategic-merge patch in the app's overlay (never the shared base).
 */
import { isMap } from 'yaml';
import type { YAMLMap } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ChangeIntent } from '../intents.ts';
import { join } from './edit-set.ts';
import type { Field } from './fields.ts';
import { anchorIn, label, nest, scalarText, setAt, settersOf } from './fields.ts';
import type { Layer } from './kustomize.ts';
import { appendTo, liveName, patches } from './kustomize.ts';
import { checkQuantity, quantityValue, sameQuantity } from './quantity.ts';
import type { Scope } from './workload-plan.ts';
import { describe, pickContainer, str } from './workloads.ts';
import type { Leaf } from './yaml-edit.ts';
import { emitBlock, isValueMap } from './yaml-text.ts';
import type { Value, ValueMap } from './yaml-text.ts';

export const RESTART_ANNOTATION = 'deckhand.dev/restartedAt';

export async function planResources(
  s: Scope,
  intent: Extract<ChangeIntent, { kind: 'resources' }>,
): Promise<void> {
  const tree: ValueMap = {};
  for (const part of ['limits', 'requests'] as const) {
    const values = Object.entries(intent[part] ?? {}).filter(([, v]) => v !== undefined) as [
      string,
      string,
    ][];
    for (const [name, v] of values) checkQuantity(name as 'memory' | 'cpu', v);
    if (values.length) tree[part] = Object.fromEntries(values);
  }
  if (!Object.keys(tree).length) throw new InputError('Give memory=… and/or cpu=… to set.');
  const c = pickContainer(s.t.workload, intent.container);
  // Kubernetes refuses a pod whose request is above its limit: say so before opening a pull request.
  for (const name of ['memory', 'cpu']) {
    const now = (part: string) =>
      scalarText(settersOf(s.t, { container: c, keys: ['resources', part, name] }).at(-1)?.value);
    const get = (part: 'limits' | 'requests') =>
      (tree[part] as ValueMap | undefined)?.[name]?.toString() ?? now(part);
    const [limit, request] = [get('limits'), get('requests')].map((q) =>
      q === undefined ? undefined : quantityValue(q),
    );
    if (limit !== undefined && request !== undefined && limit < request)
      throw new InputError(
        `The ${name} limit (${get('limits')}) would be below the ${name} request (${get('requests')}); Kubernetes refuses that.`,
        {
          hint: 'Keep the request at or below the limit: change both in one request if needed.',
        },
      );
  }
  await applyTree(s, { container: c, keys: ['resources'] }, tree, 'resources', sameQuantity);
}

export async function planRestart(s: Scope, at: string): Promise<void> {
  await applyTree(
    s,
    { keys: ['spec', 'template', 'metadata', 'annotations'] },
    { [RESTART_ANNOTATION]: at },
    'restart',
  );
}

/** Leaves of a tree with their key paths. */
const flatten = (v: ValueMap, at: string[] = []): { keys: string[]; value: Value }[] =>
  Object.entries(v).flatMap(([k, x]) =>
    isValueMap(x) ? flatten(x, [...at, k]) : [{ keys: [...at, k], value: x }],
  );

/**
 * Set every leaf of `tree` under a field: where its winning setter is the app's own, there; the
 * rest together in an app-owned patch that already holds this part, else the manifest if the app
 * owns it, else a new patch in the app's kustomization.
 */
async function applyTree(
  s: Scope,
  base: Field,
  tree: ValueMap,
  purpose: string,
  same = (a: string, b: string) => a === b,
): Promise<void> {
  const w = s.t.workload;
  const rest: ValueMap = {};
  for (const leaf of flatten(tree)) {
    const f = { container: base.container, keys: [...base.keys, ...leaf.keys] };
    const last = settersOf(s.t, f).at(-1);
    const now = scalarText(last?.value);
    if (last && now !== undefined && same(now, String(leaf.value)))
      s.set.held(last.file.path, label(s.t, f, last), now);
    else if (last && s.set.owns(last.file.path)) setAt(s.set, s.t, f, last, leaf.value as string, same);
    else
      Object.assign(
        leaf.keys.slice(0, -1).reduce<ValueMap>((m, k) => (m[k] ??= {}) as ValueMap, rest),
        { [leaf.keys.at(-1) as string]: leaf.value },
      );
  }
  if (!Object.keys(rest).length) return;
  const prefix = `${describe(w)} ${base.container ? `containers[${base.container.name}].` : ''}`;
  const record = (file: { path: string }, leaves: Leaf[], keys: string[]) => {
    for (const l of leaves)
      s.set.changed(file.path, `${prefix}${[...keys, l.path].join('.')}`, l.before, l.after, l.shared);
  };
  const own = [...s.t.chain]
    .reverse()
    .flatMap((l) => l.patches)
    .filter((p) => isMap(p.root) && s.set.owns(p.file.path) && patches(p, w, s.t.names))
    .map((p) => ({ p, anchor: anchorIn(p.doc, p.root as YAMLMap, base.container, base.keys) }))
    .filter((x) => x.anchor)
    .at(-1);
  if (own?.anchor)
    return record(own.p.file, own.p.file.assign(own.p.doc, own.anchor, rest, { same }).changed, base.keys);
  if (!s.top || s.set.owns(w.file.path)) {
    const at = base.container ? base.container.node : w.root;
    return record(w.file, w.file.assign(w.doc, at, nest(base.keys, rest), { same }).changed, []);
  }
  await newPatch(s, base, rest, purpose);
}

async function newPatch(s: Scope, base: Field, rest: ValueMap, purpose: string): Promise<void> {
  const w = s.t.workload;
  const top = s.top as Layer;
  const name = `${w.name}-${purpose}.yaml`;
  const path = join(top.dir, name) as string;
  if ((await s.set.read(path)) !== undefined || s.set.isCreated(path))
    throw new InputError(
      `${path} already exists but is not a patch deckhand can extend for ${describe(w)}.`,
      {
        hint: 'Edit it by hand, or remove it and ask again.',
      },
    );
  const c = base.container;
  const body = c
    ? nest(['spec', 'template', 'spec'], { [c.list]: [{ name: c.name, ...nest(base.keys, rest) }] })
    : nest(base.keys, rest);
  const obj: ValueMap = {
    apiVersion: str(w.doc, w.root, 'apiVersion') ?? 'apps/v1',
    kind: w.kind,
    metadata: { name: liveName(s.t.chain.slice(1), w.name) },
    ...body,
  };
  const eol = top.file.eol;
  const lines = [
    `# ${purpose} of ${describe(w)} for this overlay; written by deckhand.`,
    ...emitBlock(obj, 0, top.file.style),
  ];
  s.set.create(path, lines.join(eol) + eol);
  appendTo(top, 'patches', { path: name });
  const what = flatten(rest).map((l) => `${[...base.keys, ...l.keys].join('.')} ${l.value}`);
  s.set.note(
    `${path}: new patch of ${describe(w)}${c ? ` container ${c.name}` : ''} setting ${what.join(', ')}`,
  );
  s.set.note(`${top.file.path}: patches + ${name}`);
}
