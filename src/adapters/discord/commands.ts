/**
 * Discord slash commands from deckhand's command registry: one top-level command per group
 * (`/argo`, `/k8s`, …) with a subcommand per deckhand command and typed options (with choices
 * where the schema has an enum). And the way back: an interaction's options become the command
 * line the dispatcher understands.
 */
import {
  ApplicationCommandOptionType,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  type APIChatInputApplicationCommandInteractionData,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord-api-types/v10';
import { argInfos, type ArgInfo } from '../../core/commands/arg-spec.ts';
import type { Command } from '../../core/commands/define.ts';
import { truncate } from '../../core/message/markup.ts';

const optionName = (flag: string) => flag.replace(/[^a-z0-9_-]/g, '').slice(0, 32) || 'value';
const describe = (s: string | undefined, fallback: string) =>
  truncate((s ?? fallback).trim() || fallback, 100);

function option(a: ArgInfo): APIApplicationCommandBasicOption {
  const base = {
    name: optionName(a.flag),
    description: describe(a.description, a.flag),
    required: a.required && a.positional,
  };
  switch (a.type) {
    case 'boolean':
      return { ...base, type: ApplicationCommandOptionType.Boolean };
    case 'integer':
      return { ...base, type: ApplicationCommandOptionType.Integer };
    case 'number':
      return { ...base, type: ApplicationCommandOptionType.Number };
    default:
      return {
        ...base,
        type: ApplicationCommandOptionType.String,
        ...(a.choices && a.choices.length <= 25
          ? { choices: a.choices.map((c) => ({ name: c, value: c })) }
          : {}),
      };
  }
}

/** Arguments become options; `key=value` pairs become one string option. Required ones first, as Discord requires. */
function options(cmd: Command): APIApplicationCommandBasicOption[] {
  const opts = argInfos(cmd).map((a) =>
    a.pairs
      ? ({
          name: 'settings',
          description: 'key=value pairs, e.g. memory=1Gi cpu=500m',
          type: ApplicationCommandOptionType.String,
          required: a.required,
        } as const)
      : option(a),
  );
  return [...opts.filter((o) => o.required), ...opts.filter((o) => !o.required)].slice(0, 25);
}

export function buildCommands(
  registry: Command[],
  groups: string[],
): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const out: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [];
  for (const group of groups) {
    if (group === 'deckhand') {
      // Built-ins (help, whoami, …) and everything outside the named groups live under /deckhand.
      const rest = registry.filter(
        (c) => !groups.includes(c.name.split(' ')[0] as string) || c.name.startsWith('deckhand '),
      );
      const sub = rest.filter((c) => !c.hidden).slice(0, 25);
      out.push({
        name: 'deckhand',
        description: 'deckhand: help, whoami and more',
        options: sub.map((c) => ({
          type: ApplicationCommandOptionType.Subcommand,
          name: optionName(c.name.replace(/ /g, '-')),
          description: describe(c.summary, c.name),
          options: options(c),
        })),
      });
      continue;
    }
    const members = registry.filter((c) => c.name === group || c.name.startsWith(group + ' '));
    if (members.length === 0) continue;
    const single = members.length === 1 && members[0]?.name === group;
    if (single) {
      const c = members[0] as Command;
      out.push({ name: group, description: describe(c.summary, group), options: options(c) });
      continue;
    }
    out.push({
      name: group,
      description: describe(`${group} commands`, group),
      options: members.slice(0, 25).map((c): APIApplicationCommandOption => ({
        type: ApplicationCommandOptionType.Subcommand,
        name: optionName(c.name.slice(group.length + 1).replace(/ /g, '-')),
        description: describe(c.summary, c.name),
        options: options(c),
      })),
    });
  }
  return out;
}

const quote = (v: string) => (/[\s"'\\]/.test(v) || v === '' ? `"${v.replace(/(["\\])/g, '\\$1')}"` : v);

/** The deckhand command line for an interaction: `/argo status app:x refresh:true` → `argo status x --refresh`. */
export function commandLine(
  data: APIChatInputApplicationCommandInteractionData,
  registry: Command[],
): string {
  let words = [data.name];
  let opts = data.options ?? [];
  const sub = opts.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
  if (sub && 'options' in sub) {
    words = data.name === 'deckhand' ? sub.name.split('-') : [data.name, ...sub.name.split('-')];
    opts = sub.options ?? [];
  }
  const name = words.join(' ');
  const cmd = registry.find((c) => c.name === name);
  const infos = cmd ? argInfos(cmd) : [];
  const parts = [name];
  const byName = new Map(opts.map((o) => [o.name, o]));
  for (const a of infos) {
    const o = a.pairs ? byName.get('settings') : byName.get(optionName(a.flag));
    if (!o || !('value' in o)) continue;
    const v = String(o.value);
    if (a.pairs) parts.push(v);
    else if (a.positional) parts.push(quote(v));
    else if (a.type === 'boolean') parts.push(o.value ? `--${a.flag}` : `--no-${a.flag}`);
    else parts.push(`--${a.flag}`, quote(v));
  }
  return parts.join(' ');
}
