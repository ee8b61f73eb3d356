import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BootError } from './errors.ts';
import { orderPlugins } from './host.ts';
import { definePlugin, type AnyPlugin } from './plugin.ts';
import { token } from './token.ts';
import { createTestBot, type TestBot } from '../../test/support/test-bot.ts';
import { defineAction, type ActionService } from './actions.ts';
import { defineCommand } from './commands/define.ts';
import { ActionsToken, LoggerToken } from './tokens.ts';

const A = token<{ a: number }>('A');
const B = token<{ b: number }>('B');

const any = (p: unknown) => p as AnyPlugin;

describe('plugin ordering', () => {
  const pa = any(
    definePlugin({ id: 'pa', summary: '', provides: [A], init: ({ provide }) => provide(A, { a: 1 }) }),
  );
  const pb = any(
    definePlugin({
      id: 'pb',
      summary: '',
      deps: { a: A },
      provides: [B],
      init: ({ provide, deps }) => provide(B, { b: deps.a.a + 1 }),
    }),
  );
  const pc = any(definePlugin({ id: 'pc', summary: '', deps: { b: B, a: A }, init: () => {} }));
  const core = () => false;

  it('puts providers before their consumers whatever the given order', () => {
    expect(orderPlugins([pc, pb, pa], core).map((p) => p.id)).toEqual(['pa', 'pb', 'pc']);
  });
  it('names a dependency cycle', () => {
    const x = any(definePlugin({ id: 'x', summary: '', deps: { b: B }, provides: [A], init: () => {} }));
    const y = any(definePlugin({ id: 'y', summary: '', deps: { a: A }, provides: [B], init: () => {} }));
    expect(() => orderPlugins([x, y], core)).toThrow(/cycle: x → y → x/);
  });
  it('names a missing provider', () => {
    expect(() => orderPlugins([pc], core)).toThrow(/pc needs B, which no loaded plugin provides/);
  });
  it('refuses two providers of one service', () => {
    const pa2 = any({ ...pa, id: 'pa2' });
    expect(() => orderPlugins([pa, pa2], core)).toThrow(/both provide A/);
  });
});

describe('plugin host lifecycle', () => {
  it('initialises in dependency order and passes resolved services', async () => {
    const seen: string[] = [];
    const pa = definePlugin({
      id: 'pa',
      summary: '',
      provides: [A],
      init: ({ provide }) => {
        seen.push('pa');
        provide(A, { a: 41 });
      },
    });
    const pb = definePlugin({
      id: 'pb',
      summary: '',
      deps: { a: A, log: LoggerToken },
      init: ({ deps }) => {
        seen.push(`pb:${deps.a.a + 1}`);
        deps.log.info('hello');
      },
    });
    const t = await createTestBot({ plugins: [any(pb), any(pa)] });
    expect(seen).toEqual(['pa', 'pb:42']);
    expect(t.logs.find((l) => l.msg === 'hello')).toMatchObject({ plugin: 'pb' });
    await t.stop();
  });

  it('stops start-up naming a required plugin whose init fails', async () => {
    const bad = definePlugin({
      id: 'broken',
      summary: '',
      required: true,
      init: () => {
        throw new Error('cannot reach Argo CD at https://argocd.example');
      },
    });
    const err = await createTestBot({ plugins: [any(bad)] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as Error).message).toBe(
      'Plugin broken failed to start: cannot reach Argo CD at https://argocd.example',
    );
  });

  it('stops a plugin that provides less than it declared', async () => {
    const liar = definePlugin({ id: 'liar', summary: '', provides: [A], init: () => {} });
    await expect(createTestBot({ plugins: [any(liar)] })).rejects.toThrow(
      /declared A but did not provide it/,
    );
  });

  it('closes in reverse order and does not wait forever for a plugin that hangs', async () => {
    const closed: string[] = [];
    const mk = (id: string, hang = false) =>
      any(
        definePlugin({
          id,
          summary: '',
          init: ({ onClose }) =>
            onClose(() => {
              closed.push(id);
              return hang ? new Promise<void>(() => {}) : undefined;
            }),
        }),
      );
    const t = await createTestBot({ plugins: [mk('first'), mk('hangs', true), mk('last')] });
    const started = Date.now();
    await t.bot.stop(300);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(closed).toEqual(['last', 'hangs', 'first']);
    expect(
      t.logs.some((l) => String(l.msg).includes('close failed or timed out') && l.plugin === 'hangs'),
    ).toBe(true);
  });

  it('lets in-flight commands finish before closing', async () => {
    let finished = false;
    const slow = definePlugin({
      id: 'slow',
      summary: '',
      init: ({ commands }) =>
        commands.add({
          name: 'slow',
          summary: 'takes a moment',
          args: z.object({}),
          permission: 'deckhand.read',
          run: async () => {
            await new Promise((r) => setTimeout(r, 100));
            finished = true;
            return { text: 'done' };
          },
        }),
    });
    const t = await createTestBot({ plugins: [any(slow)] });
    const reply = t.say('slow');
    await new Promise((r) => setTimeout(r, 10));
    await t.bot.stop(5_000);
    expect(finished).toBe(true);
    expect((await reply).ok).toBe(true);
  });
});

const cmd = (name: string) =>
  defineCommand({
    name,
    summary: name,
    args: z.object({}),
    permission: 'deckhand.read',
    run: async () => ({ text: name }),
  });

/** The `plugins` command's rows: plugin id → state column. */
const pluginsTable = async (t: TestBot) => {
  const r = await t.say('plugins');
  expect(r.ok).toBe(true);
  const m = r.messages.at(-1)!;
  const table = m.blocks?.find((b) => b.type === 'table');
  if (table?.type !== 'table') throw new Error('no table in the plugins reply');
  return { rows: Object.fromEntries(table.table.rows.map((row) => [row[0], row[1]])), text: m.text };
};

describe('plugins that are off', () => {
  const calls: string[] = [];
  const seen: Record<string, unknown> = {};
  const provider = definePlugin({
    id: 'pa',
    summary: '',
    config: z.strictObject({ level: z.number().default(1) }),
    provides: [A],
    init: ({ provide, commands, config }) => {
      calls.push('pa');
      seen.pa = config;
      commands.add(cmd('pa-cmd'));
      provide(A, { a: 1 });
    },
  });
  const needsA = definePlugin({
    id: 'pb',
    summary: '',
    deps: { a: A },
    provides: [B],
    init: ({ provide, commands }) => {
      calls.push('pb');
      commands.add(cmd('pb-cmd'));
      provide(B, { b: 2 });
    },
  });
  // Needs B, so it is left out because pb is, two steps from the switch.
  const needsB = definePlugin({ id: 'pc', summary: '', deps: { b: B }, init: () => void calls.push('pc') });
  const canDoWithoutA = definePlugin({
    id: 'pd',
    summary: '',
    optionalDeps: { a: A },
    init: ({ deps, commands }) => {
      calls.push(`pd:${deps.a ? 'with A' : 'without A'}`);
      commands.add(cmd('pd-cmd'));
    },
  });
  const all = [any(canDoWithoutA), any(needsB), any(needsA), any(provider)];

  it('leaves out a disabled plugin and those that need it, each with the reason, and keeps the rest', async () => {
    calls.length = 0;
    const t = await createTestBot({
      plugins: all,
      config: 'server: {enabled: false}\nplugins: { pa: { enabled: false, level: 3 } }\n',
    });
    try {
      expect(calls).toEqual(['pd:without A']);
      const names = t.bot.registry.all().map((c) => c.name);
      expect(names).toContain('pd-cmd');
      expect(names).not.toContain('pa-cmd');
      expect(names).not.toContain('pb-cmd');
      const lines = t.logs.map((l) => l.msg);
      expect(lines).toContain('pa is off: disabled by config');
      expect(lines).toContain('pb is off: it needs A, and pa is disabled');
      expect(lines).toContain('pc is off: it needs B, and pb is off');
      const { rows, text } = await pluginsTable(t);
      expect(rows).toMatchObject({
        pa: 'disabled by config',
        pb: 'left out: it needs A, and pa is disabled',
        pc: 'left out: it needs B, and pb is off',
        pd: 'loaded',
      });
      expect(text).toBe('2 plugins loaded: deckhand, pd; 3 off: pc, pb, pa');
      // Switching a plugin off is not a failure: the bot is ready.
      expect(t.bot.host.failed).toEqual([]);
    } finally {
      await t.stop();
    }
  });

  it('hands an optional dependency over when it is loaded, initialising its provider first', async () => {
    calls.length = 0;
    const t = await createTestBot({
      plugins: all,
      config: 'server: {enabled: false}\nplugins: { pa: { enabled: true, level: 3 } }\n',
    });
    try {
      expect(calls).toEqual(['pa', 'pd:with A', 'pb', 'pc']);
      // `enabled` is the host's: a strict plugin section accepts it and the plugin never sees it.
      expect(seen.pa).toEqual({ level: 3 });
    } finally {
      await t.stop();
    }
  });
});

describe('a plugin whose init fails', () => {
  const released: string[] = [];
  const flaky = definePlugin({
    id: 'flaky',
    summary: '',
    provides: [A],
    init: ({ commands, actions, jobs, provide, onStart, onClose }) => {
      commands.add(cmd('flaky-cmd'));
      actions.add(
        defineAction({
          kind: 'flaky.press',
          params: z.object({}),
          permission: 'deckhand.read',
          run: async () => {},
        }),
      );
      jobs.add({ id: 'flaky.job', run: async () => {} });
      provide(A, { a: 1 });
      onStart(() => {
        throw new Error('a failed plugin must not start');
      });
      onClose(() => void released.push('flaky'));
      throw new Error('cannot reach the Git host at https://git.example');
    },
  });
  const dependent = definePlugin({ id: 'dep', summary: '', deps: { a: A }, init: () => {} });
  let buttons: ActionService | undefined;
  const healthy = definePlugin({
    id: 'healthy',
    summary: '',
    deps: { actions: ActionsToken },
    init: ({ commands, deps }) => {
      buttons = deps.actions;
      commands.add(cmd('ok-cmd'));
    },
  });

  it('is switched off with its dependents; the others serve, /readyz names it, nothing of it stays', async () => {
    const t = await createTestBot({ plugins: [any(flaky), any(dependent), any(healthy)] });
    try {
      const names = t.bot.registry.all().map((c) => c.name);
      expect(names).toContain('ok-cmd');
      expect(names).not.toContain('flaky-cmd');
      expect(t.bot.jobs.get('flaky.job')).toBeUndefined();
      expect(buttons?.handler('flaky.press')).toBeUndefined();
      expect(released).toEqual(['flaky']);
      const err = t.logs.find((l) => l.level === 50 && l.plugin === 'flaky');
      expect(err?.msg).toBe(
        'flaky failed to start and is off: cannot reach the Git host at https://git.example',
      );
      expect(t.logs.map((l) => l.msg)).toContain('dep is off: it needs A, and flaky failed to start');
      expect((await t.say('ok-cmd')).ok).toBe(true);

      const port = await t.bot.http.listen(0, '127.0.0.1');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(res.status).toBe(503);
        const body = (await res.json()) as { checks: { name: string; ok: boolean; reason?: string }[] };
        expect(body.checks).toContainEqual({
          name: 'plugin:flaky',
          ok: false,
          reason: 'flaky failed to start: cannot reach the Git host at https://git.example',
        });
      } finally {
        await t.bot.http.close();
      }
      const { rows } = await pluginsTable(t);
      expect(rows).toMatchObject({
        flaky: 'failed: cannot reach the Git host at https://git.example',
        dep: 'left out: it needs A, and flaky failed to start',
        healthy: 'loaded',
      });
    } finally {
      await t.stop();
    }
  });

  it('counts an init that does not finish in time as a failure', async () => {
    const hangs = definePlugin({
      id: 'hangs',
      summary: '',
      initTimeoutMs: 50,
      init: ({ commands }) => {
        // Registers after the deadline, as a hung init that wakes up later would.
        setTimeout(() => commands.add(cmd('late-cmd')), 100);
        return new Promise<void>(() => {});
      },
    });
    const t = await createTestBot({ plugins: [any(hangs), any(healthy)] });
    try {
      expect(t.bot.host.failed).toEqual([
        { id: 'hangs', reason: 'init of plugin hangs did not finish within 50 ms' },
      ]);
      await new Promise((r) => setTimeout(r, 150));
      expect(t.bot.registry.all().map((c) => c.name)).not.toContain('late-cmd');
    } finally {
      await t.stop();
    }
  });
});
