/**
 * Turn the words after a command's name into its validated arguments: positionals in declared
 * order, `--flag value`, `--flag=value`, boolean `--flag` / `--no-flag`, and `key=value` pairs
 * where the command collects them. Every failure is an InputError that names the argument and
 * shows the usage line.
 */
import type { z } from 'zod';
import { InputError } from '../errors.ts';
import { argInfos, type ArgInfo, type ArgType } from './arg-spec.ts';
import type { CommandSpec } from './define.ts';
import { usageLine } from './help.ts';
import { closest } from './suggest.ts';
import type { Word } from './tokenize.ts';

const pairPattern = /^([A-Za-z][\w.\-/]*)=(.*)$/s;

function coerce(raw: string, type: ArgType | undefined): unknown {
  if ((type === 'number' || type === 'integer') && /^[-+]?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean') {
    if (/^(true|yes|on|1)$/i.test(raw)) return true;
    if (/^(false|no|off|0)$/i.test(raw)) return false;
  }
  return raw;
}

const argName = (a: ArgInfo): string =>
  a.positional ? `<${a.flag}>` : a.pairs ? 'key=value' : `--${a.flag}`;

function describeIssue(issue: z.core.$ZodIssue, infos: ArgInfo[], raw: Record<string, unknown>): string {
  const key = String(issue.path[0] ?? '');
  const info = infos.find((a) => a.key === key);
  const name = info ? argName(info) : key || 'arguments';
  const given = raw[key];
  if (issue.code === 'invalid_type' && given === undefined) return `${name} is required`;
  if (issue.code === 'invalid_value' && 'values' in issue) {
    return `${name} must be one of ${issue.values.map(String).join(', ')} (got '${String(given)}')`;
  }
  if (issue.code === 'invalid_type') {
    const what =
      issue.expected === 'number' && info?.type === 'integer' ? 'a whole number' : `a ${issue.expected}`;
    return `${name} must be ${what} (got '${String(given)}')`;
  }
  const sub = issue.path.length > 1 ? ` (${issue.path.slice(1).join('.')})` : '';
  return `${name}${sub}: ${issue.message}`;
}

export function bindArgs<S extends CommandSpec>(spec: S, words: Word[]): z.output<S['args']> {
  const infos = argInfos(spec);
  const byFlag = new Map(infos.map((a) => [a.flag, a]));
  const positionals = infos.filter((a) => a.positional);
  const pairsArg = infos.find((a) => a.pairs);
  const raw: Record<string, unknown> = {};
  const loose: string[] = [];
  const fail = (msg: string, hint?: string): never => {
    throw new InputError(msg, { hint: hint ?? `Usage: ${usageLine(spec)}` });
  };
  const set = (a: ArgInfo, value: unknown) => {
    if (a.type === 'array') {
      const list = (raw[a.key] as unknown[] | undefined) ?? [];
      list.push(coerce(String(value), a.itemType));
      raw[a.key] = list;
    } else {
      raw[a.key] = value;
    }
  };

  let onlyPositional = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    if (!w.quoted && !onlyPositional && w.value === '--') {
      onlyPositional = true;
      continue;
    }
    if (!w.quoted && !onlyPositional && w.value.startsWith('--') && w.value.length > 2) {
      const body = w.value.slice(2);
      const eq = body.indexOf('=');
      let name = eq >= 0 ? body.slice(0, eq) : body;
      let a = byFlag.get(name);
      let negated = false;
      if (!a && name.startsWith('no-') && byFlag.get(name.slice(3))?.type === 'boolean') {
        name = name.slice(3);
        a = byFlag.get(name);
        negated = true;
      }
      if (!a || a.pairs) {
        const flags = infos.filter((x) => !x.pairs).map((x) => x.flag);
        const near = closest(name, flags);
        fail(`Unknown flag --${name} for ${spec.name}.` + (near.length ? ` Did you mean --${near[0]}?` : ''));
        return undefined as never;
      }
      if (a.type === 'boolean') {
        if (eq >= 0) {
          const v = coerce(body.slice(eq + 1), 'boolean');
          if (typeof v !== 'boolean') fail(`--${a.flag} takes true or false (got '${body.slice(eq + 1)}')`);
          set(a, negated ? !v : v);
        } else {
          set(a, !negated);
        }
        continue;
      }
      let value: string;
      if (eq >= 0) value = body.slice(eq + 1);
      else {
        const next = words[i + 1];
        if (!next) fail(`--${a.flag} needs a value.`);
        value = (next as Word).value;
        i += 1;
      }
      set(a, coerce(value, a.type === 'array' ? undefined : a.type));
      continue;
    }
    const pair = !w.quoted && !onlyPositional && pairsArg ? pairPattern.exec(w.value) : null;
    if (pair && pairsArg) {
      const rec = (raw[pairsArg.key] as Record<string, string> | undefined) ?? {};
      rec[pair[1] as string] = pair[2] as string;
      raw[pairsArg.key] = rec;
      continue;
    }
    loose.push(w.value);
  }

  let p = 0;
  for (const a of positionals) {
    if (p >= loose.length) break;
    if (a.type === 'array') {
      raw[a.key] = loose.slice(p).map((v) => coerce(v, a.itemType));
      p = loose.length;
    } else if (raw[a.key] === undefined) {
      raw[a.key] = coerce(loose[p] as string, a.type);
      p += 1;
    }
  }
  if (p < loose.length) {
    const extra = loose.slice(p);
    fail(
      `Unexpected argument${extra.length > 1 ? 's' : ''} for ${spec.name}: ${extra.map((x) => `'${x}'`).join(' ')}`,
    );
  }

  const parsed = spec.args.safeParse(raw);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((iss) => describeIssue(iss, infos, raw));
    fail([...new Set(msgs)].join('; ') + '.');
  }
  return parsed.data as z.output<S['args']>;
}
