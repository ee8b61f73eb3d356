import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BootError } from './errors.ts';
import { orderPlugins } from './host.ts';
import { definePlugin, type AnyPlugin } from './plugin.ts';
import { token } from './token.ts';
import { createTestBot } from '../../test/support/test-bot.ts';
import { LoggerToken } from './tokens.ts';

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

  it('stops start-up naming the plugin whose init fails', async () => {
    const bad = definePlugin({
      id: 'broken',
      summary: '',
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
