/**
 * All commands by name. Resolves the leading words of a line to the longest matching command, to a
 * group (`argo` alone), or to an unknown command with its closest names.
 */
import { BootError } from '../errors.ts';
import type { Command } from './define.ts';
import { closest } from './suggest.ts';
import type { Word } from './tokenize.ts';

export type Resolution =
  | { kind: 'command'; command: Command; rest: Word[] }
  | { kind: 'group'; group: string; commands: Command[] }
  | { kind: 'unknown'; input: string; suggestions: string[] };

export class CommandRegistry {
  private readonly byName = new Map<string, Command>();

  add(cmd: Command): void {
    const name = cmd.name.trim().toLowerCase();
    if (!/^[a-z][a-z0-9-]*( [a-z][a-z0-9-]*)*$/.test(name)) {
      throw new BootError(`Plugin ${cmd.plugin}: command name '${cmd.name}' must be lowercase words`);
    }
    const prev = this.byName.get(name);
    if (prev) {
      throw new BootError(`Plugin ${cmd.plugin}: command '${name}' is already registered by ${prev.plugin}`);
    }
    this.byName.set(name, { ...cmd, name });
  }

  get(name: string): Command | undefined {
    return this.byName.get(name.trim().toLowerCase().replace(/\s+/g, ' '));
  }

  all(): Command[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Commands whose name starts with these words. */
  inGroup(group: string): Command[] {
    return this.all().filter((c) => c.name === group || c.name.startsWith(group + ' '));
  }

  resolve(words: Word[]): Resolution {
    const lower = words.map((w) => w.value.toLowerCase());
    for (let n = Math.min(lower.length, 4); n >= 1; n--) {
      const cmd = this.byName.get(lower.slice(0, n).join(' '));
      if (cmd) return { kind: 'command', command: cmd, rest: words.slice(n) };
    }
    // Longest group prefix: `argo` or `argo foo` where `argo` has subcommands.
    for (let n = Math.min(lower.length, 3); n >= 1; n--) {
      const group = lower.slice(0, n).join(' ');
      const members = this.inGroup(group);
      if (members.length === 0) continue;
      if (n === lower.length) return { kind: 'group', group, commands: members };
      const tried = lower.slice(0, n + 1).join(' ');
      const subwords = new Set(members.map((c) => c.name.split(' ')[n]).filter((w): w is string => !!w));
      const near = closest(lower[n] as string, subwords).map((w) => `${group} ${w}`);
      return { kind: 'unknown', input: tried, suggestions: near };
    }
    const input = lower.slice(0, 2).join(' ');
    const names = new Set<string>();
    for (const c of this.byName.values()) {
      const parts = c.name.split(' ');
      names.add(parts[0] as string);
      if (lower.length > 1) names.add(parts.slice(0, 2).join(' '));
    }
    const first = lower[0] ?? '';
    const suggestions = [...new Set([...closest(input, names), ...closest(first, names)])].slice(0, 3);
    return {
      kind: 'unknown',
      input: lower.length > 1 && suggestions.some((s) => s.includes(' ')) ? input : first,
      suggestions,
    };
  }
}
