/**
 * Usage lines and help messages, generated from the command declarations so they cannot drift.
 */
import type { Message } from '../message/model.ts';
import { code } from '../message/markup.ts';
import { argInfos, type ArgInfo } from './arg-spec.ts';
import { exampleLine, type Command, type CommandSpec } from './define.ts';

function argUsage(a: ArgInfo): string {
  const value = a.choices && a.choices.length <= 5 ? a.choices.join('|') : a.flag;
  if (a.pairs) return a.required ? 'key=value ...' : '[key=value ...]';
  if (a.positional) {
    const body = a.type === 'array' ? `<${a.flag}>...` : `<${a.flag}>`;
    return a.required ? body : `[${body}]`;
  }
  const flag = a.type === 'boolean' ? `--${a.flag}` : `--${a.flag} <${value}>`;
  return a.required ? flag : `[${flag}]`;
}

export function usageLine(spec: Pick<CommandSpec, 'name' | 'args' | 'positional' | 'pairs'>): string {
  return [spec.name, ...argInfos(spec).map(argUsage)].join(' ');
}

function argLine(a: ArgInfo): string {
  const name = a.positional ? `<${a.flag}>` : a.pairs ? 'key=value' : `--${a.flag}`;
  const bits = [a.description ?? ''];
  if (a.choices) bits.push(`one of: ${a.choices.join(', ')}`);
  if (
    a.default !== undefined &&
    a.default !== false &&
    !(Array.isArray(a.default) && a.default.length === 0)
  ) {
    if (typeof a.default !== 'object') bits.push(`default ${String(a.default)}`);
  }
  return `${code(name)} ${bits.filter(Boolean).join('; ')}`.trim();
}

export function commandHelp(cmd: Command): Message {
  const infos = argInfos(cmd);
  const lines = [cmd.description ?? cmd.summary];
  return {
    text: `${cmd.name}: ${cmd.summary}`,
    header: cmd.name,
    blocks: [
      { type: 'text', text: lines.join('\n') },
      { type: 'code', code: usageLine(cmd) },
      ...(infos.length ? [{ type: 'text' as const, text: infos.map(argLine).join('\n') }] : []),
      ...(cmd.examples?.length
        ? [{ type: 'code' as const, title: 'Examples', code: cmd.examples.map(exampleLine).join('\n') }]
        : []),
      {
        type: 'context',
        items: [
          `permission ${code(cmd.permission)}`,
          cmd.effect === 'write' ? 'changes things: needs an explicit grant' : 'read-only',
          `plugin ${cmd.plugin}`,
        ],
      },
    ],
  };
}

/** A listing of commands grouped by the plugin that contributes them, each with its summary. */
export function commandList(cmds: Command[], title: string, intro?: string): Message {
  const groups = new Map<string, Command[]>();
  for (const c of cmds) groups.set(c.plugin, [...(groups.get(c.plugin) ?? []), c]);
  const blocks = [...groups.entries()].map(([plugin, list]) => ({
    type: 'table' as const,
    title: groups.size > 1 ? plugin : undefined,
    table: { columns: ['command', 'what it does'], rows: list.map((c) => [c.name, c.summary]) },
  }));
  return {
    text: `${title}: ${cmds.map((c) => c.name).join(', ')}`,
    header: title,
    blocks: [
      ...(intro ? [{ type: 'text' as const, text: intro }] : []),
      ...blocks,
      { type: 'context', items: ['`help <command>` shows the arguments and examples of one command.'] },
    ],
  };
}
