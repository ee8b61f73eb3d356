/**
 * Strategic merge, as far as manifests in GitOps repos use it: maps merge key by key, lists of
 * named items (containers, env, volumes, ports) merge by name, other lists are replaced, and
 * `null` deletes a key.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// Strategic merge keys of the lists manifests use (containers/env/volumes by name, container ports
// by containerPort, Service ports by port, volumeMounts by mountPath, hostAliases by ip).
const mergeKeys = ['name', 'containerPort', 'port', 'mountPath', 'ip'];

function keyOf(item: Json): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  for (const k of mergeKeys) {
    const v = (item as Record<string, Json>)[k];
    if (typeof v === 'string' || typeof v === 'number') return `${k}=${v}`;
  }
  return undefined;
}

export function strategicMerge<T>(base: T, patch: unknown): T {
  return merge(base as Json, patch as Json) as T;
}

function merge(base: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object') return patch;
  if (Array.isArray(patch)) {
    if (!Array.isArray(base) || !patch.every((p) => keyOf(p) !== undefined)) return patch;
    const out = [...base];
    for (const p of patch) {
      const k = keyOf(p);
      const i = out.findIndex((b) => keyOf(b) === k);
      if ((p as Record<string, Json>).$patch === 'delete') {
        if (i >= 0) out.splice(i, 1);
      } else if (i >= 0) out[i] = merge(out[i] as Json, p);
      else out.push(p);
    }
    return out;
  }
  const b = base && typeof base === 'object' && !Array.isArray(base) ? base : {};
  const out: Record<string, Json> = { ...b };
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (v === null) delete out[k];
    else out[k] = merge(out[k] ?? null, v);
  }
  return out;
}

/** JSON 6902 operations on simple paths (add, replace, remove), as kustomize `patches` use them. */
export function jsonPatch<T>(doc: T, ops: { op: string; path: string; value?: unknown }[]): T {
  const root = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const op of ops) {
    const parts = op.path
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) continue;
    let cur: unknown = root;
    for (const p of parts) {
      const next = Array.isArray(cur) ? cur[Number(p)] : (cur as Record<string, unknown>)[p];
      if (next === undefined && op.op === 'add') (cur as Record<string, unknown>)[p] = {};
      cur = Array.isArray(cur) ? cur[Number(p)] : (cur as Record<string, unknown>)[p];
      if (cur === undefined) break;
    }
    if (cur === undefined || cur === null) continue;
    if (Array.isArray(cur)) {
      const i = last === '-' ? cur.length : Number(last);
      if (op.op === 'remove') cur.splice(i, 1);
      else if (op.op === 'add') cur.splice(i, 0, op.value);
      else if (op.op === 'replace') cur[i] = op.value;
    } else {
      const o = cur as Record<string, unknown>;
      if (op.op === 'remove') delete o[last];
      else if (op.op === 'add' || op.op === 'replace') o[last] = op.value;
    }
  }
  return root as unknown as T;
}
