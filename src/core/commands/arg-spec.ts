/**
 * What a command's zod schema says about each argument, read once through its JSON Schema:
 * type (for coercion and boolean flags), choices, default, description, whether it is required.
 */
import { z } from 'zod';
import type { CommandSpec } from './define.ts';

export type ArgType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'record' | 'unknown';

export interface ArgInfo {
  key: string;
  /** kebab-case flag name, `--dry-run` for `dryRun`. */
  flag: string;
  type: ArgType;
  itemType?: ArgType;
  required: boolean;
  description?: string;
  choices?: string[];
  default?: unknown;
  positional: boolean;
  /** The index among positionals. */
  position?: number;
  pairs: boolean;
}

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  additionalProperties?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

function typeOf(s: JsonSchema | undefined): { type: ArgType; choices?: string[] } {
  if (!s) return { type: 'unknown' };
  if (s.enum) return { type: 'string', choices: s.enum.map(String) };
  if (s.anyOf) {
    const first = s.anyOf.find((x) => x.type !== 'null');
    return typeOf(first);
  }
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  switch (t) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'array':
      return { type: t };
    case 'object':
      return { type: 'record' };
    default:
      return { type: 'unknown' };
  }
}

const cache = new WeakMap<object, ArgInfo[]>();

export function argInfos(spec: Pick<CommandSpec, 'args' | 'positional' | 'pairs'>): ArgInfo[] {
  const hit = cache.get(spec.args);
  if (hit) return hit;
  const json = z.toJSONSchema(spec.args, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const positional = spec.positional ?? [];
  const infos = Object.entries(json.properties ?? {}).map(([key, s]): ArgInfo => {
    const t = typeOf(s);
    const pos = positional.indexOf(key);
    return {
      key,
      flag: kebab(key),
      type: t.type,
      itemType: t.type === 'array' ? typeOf(s.items).type : undefined,
      choices: t.choices ?? (t.type === 'array' ? typeOf(s.items).choices : undefined),
      required: required.has(key),
      description: s.description ?? s.anyOf?.find((x) => x.description)?.description,
      default: s.default,
      positional: pos >= 0,
      position: pos >= 0 ? pos : undefined,
      pairs: spec.pairs === key,
    };
  });
  infos.sort((a, b) => (a.position ?? 1e9) - (b.position ?? 1e9));
  cache.set(spec.args, infos);
  return infos;
}
