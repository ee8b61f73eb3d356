import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Command } from './define.ts';
import { commandHelp, usageLine } from './help.ts';
import { CommandRegistry } from './registry.ts';
import { closest, editDistance } from './suggest.ts';
import { tokenize } from './tokenize.ts';
import { renderText } from '../message/render-text.ts';

const cmd = (name: string, extra: Partial<Command> = {}): Command => ({
  name,
  summary: `${name} summary`,
  args: z.object({}),
  permission: 'argo.read',
  effect: 'read',
  plugin: name.split(' ')[0] as string,
  run: async () => undefined,
  ...extra,
});

const registry = () => {
  const r = new CommandRegistry();
  for (const n of [
    'argo status',
    'argo list',
    'argo sync',
    'argo history',
    'help',
    'k8s logs',
    'gitops scale',
  ])
    r.add(cmd(n));
  return r;
};

describe('suggestions', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('hlep', 'help')).toBe(1);
    expect(editDistance('status', 'status')).toBe(0);
  });
  it('offers close names and prefixes, best first', () => {
    expect(closest('hlep', ['help', 'whoami', 'version'])).toEqual(['help']);
    expect(closest('sta', ['status', 'sync', 'list'])).toEqual(['status']);
    expect(closest('zzzzzz', ['help'])).toEqual([]);
  });
});

describe('CommandRegistry.resolve', () => {
  it('finds the longest matching command and leaves the rest', () => {
    const r = registry().resolve(tokenize('argo status naver-news --refresh'));
    expect(r.kind).toBe('command');
    if (r.kind === 'command') {
      expect(r.command.name).toBe('argo status');
      expect(r.rest.map((w) => w.value)).toEqual(['naver-news', '--refresh']);
    }
  });
  it('is case-insensitive for command words', () => {
    expect(registry().resolve(tokenize('ARGO Status x')).kind).toBe('command');
  });
  it('lists a group when only its name is given', () => {
    const r = registry().resolve(tokenize('argo'));
    expect(r.kind).toBe('group');
    if (r.kind === 'group')
      expect(r.commands.map((c) => c.name)).toEqual([
        'argo history',
        'argo list',
        'argo status',
        'argo sync',
      ]);
  });
  it('suggests the subcommand for a typo inside a group', () => {
    expect(registry().resolve(tokenize('argo stauts x'))).toEqual({
      kind: 'unknown',
      input: 'argo stauts',
      suggestions: ['argo status'],
    });
  });
  it('suggests a top-level command for a typo', () => {
    const r = registry().resolve(tokenize('hlep'));
    expect(r).toMatchObject({ kind: 'unknown', input: 'hlep', suggestions: ['help'] });
  });
  it('refuses duplicate and malformed names at boot', () => {
    const r = registry();
    expect(() => r.add(cmd('argo status'))).toThrow(/already registered/);
    expect(() => r.add(cmd('Argo_Bad'))).toThrow(/lowercase/);
  });
});

describe('help generation', () => {
  const spec = cmd('k8s logs', {
    args: z.object({
      app: z.string().describe('application name'),
      container: z.string().optional().describe('container name'),
      tail: z.number().default(100).describe('lines from the end'),
      previous: z.boolean().default(false).describe('the previous container'),
    }),
    positional: ['app'],
    examples: ['k8s logs naver-news --tail 50'],
  });
  it('derives the usage line from the schema', () => {
    expect(usageLine(spec)).toBe('k8s logs <app> [--container <container>] [--tail <tail>] [--previous]');
  });
  it('documents every argument with description and default, and the examples', () => {
    const text = renderText(commandHelp(spec));
    expect(text).toContain('<app> application name');
    expect(text).toContain('--tail lines from the end; default 100');
    expect(text).toContain('k8s logs naver-news --tail 50');
    expect(text).toContain('permission argo.read');
  });
});
