/**
 * Reference docs generated from the code, so they cannot drift: the command reference from the
 * registry (usage, arguments, examples, permission) and the configuration reference from the
 * JSON Schema of the composed config (the permission tables are in permissions.ts). `npm run docs`
 * writes them; a test checks they are current.
 */
import { z } from 'zod';
import { buildBot, configSchema, loadConfig } from '../app.ts';
import { argInfos } from '../core/commands/arg-spec.ts';
import type { ActionService, RegisteredAction } from '../core/actions.ts';
import type { Command } from '../core/commands/define.ts';
import { usageLine } from '../core/commands/help.ts';
import { stripMarkup } from '../core/message/markup.ts';
import { definePlugin, type AnyPlugin } from '../core/plugin.ts';
import { ActionsToken } from '../core/tokens.ts';
import { bundledPlugins } from '../plugins/index.ts';

/** The commands and buttons every bundled plugin declares, from a bot built with the default config. */
export async function registeredDeclarations(): Promise<{
  commands: Command[];
  actions: RegisteredAction[];
}> {
  const loaded = loadConfig(undefined, {});
  // The bot does not hand out its button registry; a plugin that declares nothing receives it as
  // every plugin does, so the docs read the buttons the same way whoami does.
  let registry: ActionService | undefined;
  const reader = definePlugin({
    id: 'docs-reader',
    summary: 'reads the registered buttons for the generated docs',
    deps: { actions: ActionsToken },
    init: ({ deps }) => {
      registry = deps.actions;
    },
  });
  const bot = await buildBot(
    {
      ...loaded,
      config: {
        ...loaded.config,
        dataDir: ':memory:',
        store: { file: ':memory:' },
        log: { ...loaded.config.log, level: 'silent' },
      },
    },
    { http: false, background: false, plugins: [...bundledPlugins, reader as AnyPlugin] },
  );
  await bot.host.init();
  const commands = bot.registry.all();
  // Without the reader the tables would silently lose every button: fail instead.
  if (!registry) throw new Error('the docs reader plugin did not start');
  const actions = registry.all();
  await bot.stop(1_000);
  return { commands, actions };
}

export async function registeredCommands(): Promise<Command[]> {
  return (await registeredDeclarations()).commands;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function commandsMarkdown(commands: Command[]): string {
  const out = [
    '# Commands',
    '',
    'Generated from the command registry (`npm run docs`). Type them in Slack as `/argo status naver-news`,',
    'in Discord as slash commands, in the console as `argo status naver-news`. `help <command>` shows the same.',
    '',
    '| command | what it does | permission |',
    '| --- | --- | --- |',
    ...commands.map(
      (c) =>
        `| [\`${c.name}\`](#${c.name.replace(/ /g, '-')}) | ${cell(c.summary)} | \`${c.permission}\`${c.effect === 'write' ? ' (write)' : ''} |`,
    ),
    '',
  ];
  for (const c of commands) {
    out.push(`## ${c.name}`, '', c.description ?? c.summary, '', '```', usageLine(c), '```', '');
    const infos = argInfos(c);
    if (infos.length) {
      out.push('| argument | meaning |', '| --- | --- |');
      for (const a of infos) {
        const name = a.positional ? `<${a.flag}>` : a.pairs ? 'key=value' : `--${a.flag}`;
        const bits = [
          a.description ?? '',
          a.choices ? `one of: ${a.choices.join(', ')}` : '',
          a.default !== undefined && typeof a.default !== 'object' && a.default !== false
            ? `default ${String(a.default)}`
            : '',
          a.required ? 'required' : '',
        ]
          .filter(Boolean)
          .join('; ');
        out.push(`| \`${name}\` | ${cell(bits)} |`);
      }
      out.push('');
    }
    if (c.examples?.length) {
      // Runnable examples in one block; each one the demo world cannot run in its own, marked
      // with why (the convention test/e2e/docs-examples.test.ts reads).
      const runs = c.examples.filter((e): e is string => typeof e === 'string');
      out.push('Examples:', '');
      if (runs.length) out.push('```', ...runs, '```', '');
      for (const e of c.examples)
        if (typeof e !== 'string')
          out.push(`<!-- not run by the docs test: ${e.notInDemo} -->`, '```', e.line, '```', '');
    }
    out.push(
      `Permission \`${c.permission}\`${c.effect === 'write' ? ' — changes things, so it needs an explicit grant' : ''}; plugin \`${c.plugin}\`.`,
      '',
    );
  }
  return out.join('\n');
}

/** The compact table README.md carries between its `<!-- commands -->` markers. */
export function readmeCommands(commands: Command[]): string {
  return [
    '| command | what it does |',
    '| --- | --- |',
    ...commands.filter((c) => !c.hidden).map((c) => `| \`${usageLine(c)}\` | ${cell(c.summary)} |`),
  ].join('\n');
}

export function withReadmeCommands(readme: string, table: string): string {
  return readme.replace(
    /<!-- commands -->[\s\S]*?<!-- \/commands -->/,
    `<!-- commands -->\n${table}\n<!-- /commands -->`,
  );
}

interface Json {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, Json>;
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  enum?: unknown[];
  required?: string[];
  additionalProperties?: Json | boolean;
  writeOnly?: boolean;
}

function typeOf(s: Json): string {
  if (s.enum) return s.enum.map((e) => `\`${String(e)}\``).join(' \\| ');
  if (s.anyOf || s.oneOf) return [...new Set((s.anyOf ?? s.oneOf ?? []).map(typeOf))].join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeOf(s.items) : 'values'}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object')
    return `map of ${typeOf(s.additionalProperties)}`;
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'value');
}

function walk(s: Json, path: string, rows: string[][], depth: number): void {
  const props = s.properties ?? (s.anyOf ?? s.oneOf ?? []).find((x) => x.properties)?.properties;
  if (!props || depth > 6) return;
  for (const [k, v] of Object.entries(props)) {
    if (k === '$schema') continue;
    const p = path ? `${path}.${k}` : k;
    const inner = v.anyOf?.find((x) => x.type !== 'null') ?? v;
    const def = v.default ?? inner.default;
    const isObject = inner.type === 'object' && !!inner.properties;
    const items = inner.type === 'array' && inner.items?.properties ? inner.items : undefined;
    const secretNote = v.writeOnly || inner.writeOnly ? ' Secret: `${ENV}` or `' + k + 'File`.' : '';
    if (!isObject) {
      rows.push([
        `\`${p}\``,
        typeOf(inner),
        def === undefined || typeof def === 'object' ? '' : `\`${JSON.stringify(def)}\``,
        cell(
          stripMarkup((v.description ?? inner.description ?? '').replace(/Secret: write .*$/, '')) +
            secretNote,
        ),
      ]);
    }
    if (isObject) walk(inner, p, rows, depth + 1);
    if (items) walk(items, `${p}[]`, rows, depth + 1);
  }
}

export function configMarkdown(): string {
  const json = z.toJSONSchema(configSchema(), { io: 'input', unrepresentable: 'any' }) as Json;
  const rows: string[][] = [];
  walk(json, '', rows, 0);
  return [
    '# Configuration reference',
    '',
    'Generated from the configuration schema (`npm run docs`). `deckhand config schema` prints the same as',
    'JSON Schema for editors; `deckhand config check` validates a file and names the path of each problem.',
    'Values may use `${ENV_VAR}` (and `${ENV_VAR:-default}`); secret keys also accept `<key>File: /path`.',
    '',
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ].join('\n');
}
