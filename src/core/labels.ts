/**
 * Kubernetes label selectors (`team=payments,tier!=web,env in (prod,staging),!legacy`), parsed once
 * and matched against label maps: `argo list` filters cached apps with them as Argo CD would, and the
 * sandbox's API servers answer labelSelector queries with them.
 */
import { z } from 'zod';
import { DeckError, InputError } from './errors.ts';

export type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

const key = /^([a-z0-9A-Z]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/;

/** Split on commas that are not inside a set `( … )`. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter(Boolean);
}

export function parseSelector(input: string): Requirement[] {
  const bad = (why: string): never => {
    throw new InputError(`Invalid label selector '${input}': ${why}.`, {
      hint: 'Examples: team=payments, env in (prod,staging), !legacy',
    });
  };
  return splitTop(input).map((part): Requirement => {
    let m = /^!\s*(\S+)$/.exec(part);
    if (m)
      return key.test(m[1] as string) ? { op: 'notexists', key: m[1] as string } : bad(`bad key '${m[1]}'`);
    m = /^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      if (!key.test(m[1] as string)) bad(`bad key '${m[1]}'`);
      const values = (m[3] as string).split(',').map((v) => v.trim());
      return { op: m[2] as 'in' | 'notin', key: m[1] as string, values };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(part);
    if (m) {
      if (!key.test(m[1] as string)) bad(`bad key '${m[1]}'`);
      return { op: m[2] === '!=' ? 'neq' : 'eq', key: m[1] as string, value: m[3] as string };
    }
    if (key.test(part)) return { op: 'exists', key: part };
    return bad(`cannot read '${part}'`);
  });
}

export function matchesSelector(reqs: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'eq':
        return l[r.key] === r.value;
      case 'neq':
        return l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key] as string);
      case 'notin':
        return !has || !r.values.includes(l[r.key] as string);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/**
 * A label selector in the configuration, refused when the configuration is read (with the
 * parser's reason and examples) rather than when a digest or a notice first uses it.
 */
export const labelSelector = () =>
  z.string().superRefine((s, ctx) => {
    try {
      parseSelector(s);
    } catch (err) {
      const hint = err instanceof DeckError && err.hint ? ` ${err.hint}.` : '';
      ctx.addIssue({ code: 'custom', message: `${(err as Error).message}${hint}` });
    }
  });
