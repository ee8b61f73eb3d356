/**
 * Reading a quota refusal: "exceeded quota: compute, requested: limits.memory=1Gi, used:
 * limits.memory=3584Mi, limited: limits.memory=4Gi" says how much room is left, so the number of
 * replicas that fit is arithmetic, not a guess.
 */
import type { Ctx } from '../context.ts';
import { clip } from '../evidence.ts';
import { parseCpu, parseMemory } from '../quantity.ts';
import type { Fix, ResourceRef } from '../types.ts';

const pairs = (s: string | undefined): Map<string, string> =>
  new Map(
    (s ?? '')
      .split(',')
      .map((p) => p.split('='))
      .filter((kv): kv is [string, string] => kv.length === 2 && !!kv[0] && !!kv[1]),
  );

/** A quota value as a number: millicores for cpu, bytes for memory and storage, else a count. */
function amount(key: string, v: string | undefined): number | undefined {
  if (/cpu/.test(key)) return parseCpu(v);
  if (/memory|storage/.test(key)) return parseMemory(v);
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function quotaLines(ctx: Ctx, namespace: string | undefined, name: string | undefined): string[] {
  const q = ctx.s.quotas.find((x) => x.metadata?.namespace === namespace && x.metadata?.name === name);
  const hard = q?.status?.hard ?? q?.spec?.hard ?? {};
  const used = q?.status?.used ?? {};
  const parts = Object.keys(hard).map((k) => `${k} ${used[k] ?? '?'}/${hard[k]}`);
  return parts.length ? [clip(`ResourceQuota ${name} used/hard: ${parts.join(', ')}`)] : [];
}

/** "no room for limits.memory=1Gi (used 3584Mi of 4Gi)", from the first resource the refusal names. */
export function quotaShortfall(message: string): string | undefined {
  const m = /requested: (\S+), used: (\S+), limited: (\S+)/.exec(message);
  if (!m) return /must specify (.+)$/.exec(message)?.[0];
  const [key, asked] = [...pairs(m[1])][0] ?? [];
  if (!key) return undefined;
  return `no room for ${key}=${asked} (used ${pairs(m[2]).get(key) ?? '?'} of ${pairs(m[3]).get(key) ?? '?'})`;
}

/** Fewer replicas when the quota has room for some but not all of them. */
export function quotaFix(ctx: Ctx, w: ResourceRef, message: string): Fix | undefined {
  const m = /requested: (\S+), used: (\S+), limited: (\S+)/.exec(message);
  const dep = ctx.s.deployments.find(
    (d) => w.kind === 'Deployment' && d.metadata?.name === w.name && d.metadata?.namespace === w.namespace,
  );
  if (!m || !dep) return undefined;
  const [requested, used, limited] = [pairs(m[1]), pairs(m[2]), pairs(m[3])];
  let more = Infinity;
  for (const [k, v] of requested) {
    const per = amount(k, v);
    const free = (amount(k, limited.get(k)) ?? NaN) - (amount(k, used.get(k)) ?? NaN);
    if (!per || !Number.isFinite(free)) return undefined;
    more = Math.min(more, Math.max(0, Math.floor(free / per)));
  }
  const want = dep.spec?.replicas ?? 1;
  const fits = (dep.status?.replicas ?? 0) + (Number.isFinite(more) ? more : 0);
  return fits >= 1 && fits < want ? { intent: 'replicas', params: { replicas: fits } } : undefined;
}
