import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { bindArgs } from './bind.ts';
import { defineCommand } from './define.ts';
import { tokenize } from './tokenize.ts';

const logs = defineCommand({
  name: 'k8s logs',
  summary: 'logs',
  args: z.object({
    app: z.string().describe('application'),
    container: z.string().optional(),
    tail: z.number().int().min(1).max(5000).default(100),
    previous: z.boolean().default(false),
    since: z.enum(['5m', '1h', '24h']).optional(),
  }),
  positional: ['app'],
  permission: 'k8s.read',
  run: async () => undefined,
});

const resources = defineCommand({
  name: 'gitops resources',
  summary: 'resources',
  args: z.object({
    app: z.string(),
    settings: z
      .record(z.string(), z.string())
      .refine((r) => Object.keys(r).length > 0, 'give at least one of memory=, cpu='),
    requests: z.boolean().default(false),
  }),
  positional: ['app'],
  pairs: 'settings',
  permission: 'gitops.propose',
  run: async () => undefined,
});

const list = defineCommand({
  name: 'argo list',
  summary: 'list',
  args: z.object({ selector: z.array(z.string()).default([]), project: z.array(z.string()).default([]) }),
  positional: ['selector'],
  permission: 'argo.read',
  run: async () => undefined,
});

const bind = (spec: Parameters<typeof bindArgs>[0], line: string) => bindArgs(spec, tokenize(line));
const failure = (spec: Parameters<typeof bindArgs>[0], line: string): InputError => {
  try {
    bind(spec, line);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`expected '${line}' to fail`);
};

describe('bindArgs', () => {
  it('fills positionals and applies defaults', () => {
    expect(bind(logs, 'naver-news')).toEqual({ app: 'naver-news', tail: 100, previous: false });
  });
  it('reads --flag value, --flag=value and boolean flags', () => {
    expect(bind(logs, 'naver-news --tail 20 --container=app --previous')).toEqual({
      app: 'naver-news',
      tail: 20,
      container: 'app',
      previous: true,
    });
  });
  it('reads --no-flag and --flag=false for booleans', () => {
    expect(bind(logs, 'x --no-previous').previous).toBe(false);
    expect(bind(logs, 'x --previous=false').previous).toBe(false);
    expect(failure(logs, 'x --previous=maybe').message).toMatch(/true or false/);
  });
  it('accepts flags before positionals and a positional given as a flag', () => {
    expect(bind(logs, '--tail 5 naver-news').app).toBe('naver-news');
    expect(bind(logs, '--app naver-news').app).toBe('naver-news');
  });
  it('treats quoted words as values, never flags', () => {
    expect(bind(logs, '"--weird-app"').app).toBe('--weird-app');
  });
  it('collects key=value pairs where the command declares them', () => {
    expect(bind(resources, 'naver-news memory=1Gi cpu=500m --requests')).toEqual({
      app: 'naver-news',
      settings: { memory: '1Gi', cpu: '500m' },
      requests: true,
    });
  });
  it('keeps key=value words positional where the command does not collect pairs', () => {
    expect(bind(list, 'team=payments tier!=web --project a --project b')).toEqual({
      selector: ['team=payments', 'tier!=web'],
      project: ['a', 'b'],
    });
  });
  it('says which argument is missing, with the usage line', () => {
    const e = failure(logs, '');
    expect(e.message).toBe('<app> is required.');
    expect(e.hint).toContain('k8s logs <app>');
  });
  it('explains a value of the wrong type, quoting it', () => {
    expect(failure(logs, 'x --tail lots').message).toBe("--tail must be a whole number (got 'lots').");
    expect(failure(logs, 'x --tail 0').message).toMatch(/--tail: Too small/);
  });
  it('lists the choices of an enum', () => {
    expect(failure(logs, 'x --since 2d').message).toBe("--since must be one of 5m, 1h, 24h (got '2d').");
  });
  it('suggests the closest flag for a typo', () => {
    expect(failure(logs, 'x --tial 5').message).toBe(
      'Unknown flag --tial for k8s logs. Did you mean --tail?',
    );
  });
  it('refuses a flag without its value', () => {
    expect(failure(logs, 'x --tail').message).toBe('--tail needs a value.');
  });
  it('refuses extra positionals by name', () => {
    expect(failure(logs, 'a b').message).toBe("Unexpected argument for k8s logs: 'b'");
  });
  it('says key=value pairs are required when none are given', () => {
    expect(failure(resources, 'naver-news').message).toBe('key=value is required.');
    expect(failure(resources, 'naver-news --requests=true').message).toBe('key=value is required.');
  });
  it('after --, everything is positional', () => {
    expect(bind(list, '-- --not-a-flag').selector).toEqual(['--not-a-flag']);
  });
});
