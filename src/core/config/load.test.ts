import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { secret } from './secret.ts';
import { ConfigError, parseConfig } from './load.ts';
import { buildConfigSchema } from './schema.ts';

const schema = buildConfigSchema(
  [
    {
      id: 'argocd',
      schema: z.strictObject({
        instances: z
          .array(z.strictObject({ name: z.string(), url: z.url(), token: secret(z.string()) }))
          .default([]),
      }),
    },
  ],
  [
    {
      id: 'slack',
      schema: z
        .strictObject({ botToken: secret(z.string()), signingSecret: secret(z.string()).optional() })
        .optional(),
    },
  ],
);

const problems = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(yaml, schema, { env, baseDir: tmpdir() });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map(
      (p) => `${p.path.join('.')}${p.line ? `@${p.line}` : ''}: ${p.message}`,
    );
  }
  throw new Error('expected a config error');
};

describe('config loading', () => {
  it('gives every section its defaults when the file is empty', () => {
    const { config } = parseConfig('', schema, { env: {}, baseDir: '/srv/deckhand' });
    expect(config.dataDir).toBe('/srv/deckhand/.deckhand');
    expect(config.plugins.argocd).toEqual({ enabled: true, instances: [] });
    expect(config.commands.timeoutMs).toBe(30_000);
    expect(config.access.defaultRoles).toEqual(['viewer']);
  });

  it('names the exact path and line of a missing required key', () => {
    expect(problems('adapters:\n  slack:\n    signingSecret: x\n')).toEqual([
      'adapters.slack.botToken@3: required',
    ]);
  });

  it('reports every problem at once, with array indexes in the path', () => {
    const yaml = [
      'plugins:',
      '  argocd:',
      '    instances:',
      '      - name: a',
      '        url: not a url',
      '        token: t',
      '      - url: https://argocd.example',
      '        token: t',
      'server:',
      '  port: "eighty"',
    ].join('\n');
    expect(problems(yaml)).toEqual([
      'server.port@10: expected number, got string',
      'plugins.argocd.instances.0.url@5: Invalid URL',
      'plugins.argocd.instances.1.name@7: required',
    ]);
  });

  it('catches a typo in a key and suggests the right one', () => {
    expect(
      problems('plugins:\n  argocd:\n    instances:\n      - {name: a, url: "https://a.example", tokn: x}\n'),
    ).toEqual([
      'plugins.argocd.instances.0.token@4: required',
      'plugins.argocd.instances.0.tokn@4: unknown key (did you mean token?)',
    ]);
    expect(problems('sever: {port: 1}\n')).toEqual(['sever@1: unknown key (did you mean server?)']);
  });

  it('interpolates ${ENV} and ${ENV:-default}, and says which variable is missing', () => {
    const yaml =
      'adapters:\n  slack:\n    botToken: ${SLACK_BOT_TOKEN}\ndataDir: ${DATA:-/var/lib/deckhand}\n';
    const { config } = parseConfig(yaml, schema, { env: { SLACK_BOT_TOKEN: 'xoxb-123' } });
    expect((config.adapters.slack as { botToken: string }).botToken).toBe('xoxb-123');
    expect(config.dataDir).toBe('/var/lib/deckhand');
    expect(problems(yaml)).toEqual([
      'adapters.slack.botToken@3: environment variable SLACK_BOT_TOKEN is not set',
    ]);
  });

  it('keeps $${ as a literal', () => {
    const { config } = parseConfig('dataDir: /tmp/$${x}\n', schema, { env: {} });
    expect(config.dataDir).toBe('/tmp/${x}');
  });

  it('reads a secret from a file with the <key>File variant, trimmed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-cfg-'));
    writeFileSync(join(dir, 'token'), 'xoxb-from-file\n');
    const { config } = parseConfig('adapters:\n  slack:\n    botTokenFile: ./token\n', schema, {
      env: {},
      baseDir: dir,
    });
    expect((config.adapters.slack as { botToken: string }).botToken).toBe('xoxb-from-file');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says when a secret file cannot be read or both forms are given', () => {
    expect(problems('adapters:\n  slack:\n    botTokenFile: /nonexistent/token\n')).toEqual([
      'adapters.slack.botTokenFile@3: cannot read secret file /nonexistent/token (ENOENT)',
      'adapters.slack.botToken@3: required',
    ]);
    expect(problems('adapters:\n  slack:\n    botToken: a\n    botTokenFile: /x\n')[0]).toMatch(
      /botTokenFile.*set either botToken or botTokenFile/,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('server:\n  port: [1,\n')[0]).toMatch(/@\d+: /);
  });

  it('rejects unknown roles in access bindings', () => {
    expect(problems('access:\n  bindings:\n    - {roles: [superuser], users: [alice]}\n')).toEqual([
      "access.bindings.0.roles.0@3: unknown role 'superuser'",
    ]);
  });

  it('freezes the result', () => {
    const { config } = parseConfig('', schema, { env: {} });
    expect(Object.isFrozen(config.server)).toBe(true);
  });
});
