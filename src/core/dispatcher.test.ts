import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestBot, renderText, type TestBot } from '../../test/support/test-bot.ts';
import { defineAction } from './actions.ts';
import { defineCommand } from './commands/define.ts';
import { InputError, UpstreamError } from './errors.ts';
import { definePlugin, type AnyPlugin } from './plugin.ts';
import { normalizeCommandLine } from './dispatcher.ts';

const counter = { merged: 0 };

const demo = definePlugin({
  id: 'demo',
  summary: 'test commands',
  // It borrows gitops's permissions, so it grants them as gitops does.
  grants: { 'gitops.propose': ['operator', 'approver'], 'gitops.approve': ['approver'] },
  init({ commands, actions }) {
    commands.add(
      defineCommand({
        name: 'demo echo',
        summary: 'Say it back',
        args: z.object({ words: z.array(z.string()).default([]), loud: z.boolean().default(false) }),
        positional: ['words'],
        permission: 'deckhand.read',
        run: async ({ args }) => ({
          text: args.loud ? args.words.join(' ').toUpperCase() : args.words.join(' '),
        }),
      }),
      defineCommand({
        name: 'demo propose',
        summary: 'Propose a change with a button',
        args: z.object({ n: z.number() }),
        positional: ['n'],
        permission: 'gitops.propose',
        effect: 'write',
        run: async ({ args, button }) => ({
          text: `proposal ${args.n}`,
          buttons: [
            {
              actionId: await button({ kind: 'demo.merge', params: { n: args.n } }),
              label: 'Approve & merge',
            },
          ],
        }),
      }),
      defineCommand({
        name: 'demo slow',
        summary: 'Takes a while',
        args: z.object({ ms: z.number().default(50) }),
        positional: ['ms'],
        permission: 'deckhand.read',
        progress: 'collecting…',
        run: async ({ args, signal }) => {
          await new Promise((r, j) => {
            const t = setTimeout(r, args.ms);
            signal.addEventListener('abort', () => (clearTimeout(t), j(signal.reason)));
          });
          return { text: 'collected' };
        },
      }),
      defineCommand({
        name: 'demo fail',
        summary: 'Fails',
        args: z.object({ how: z.enum(['input', 'upstream', 'bug', 'secret']) }),
        positional: ['how'],
        permission: 'deckhand.read',
        run: async ({ args }) => {
          if (args.how === 'input') throw new InputError('That is not an app name.');
          if (args.how === 'upstream')
            throw new UpstreamError('argocd@default', 'timeout', 'Argo CD (default) did not answer in 5 s.');
          if (args.how === 'secret') return { text: 'token is s3cr3t-value-123' };
          throw new TypeError("Cannot read properties of undefined (reading 'status')");
        },
      }),
    );
    actions.add(
      defineAction({
        kind: 'demo.merge',
        params: z.object({ n: z.number() }),
        permission: 'gitops.approve',
        run: async ({ params, actor, action }) => {
          if (actor.id === action.createdBy) throw new InputError('You cannot approve your own change.');
          counter.merged += 1;
          return { update: { text: `merged ${params.n} by ${actor.id}` } };
        },
      }),
    );
  },
});

const config = `
server: {enabled: false}
commands: {timeoutMs: 400, progressAfterMs: 20}
identities:
  alice: {}
  bob: {}
  carol: {}
access:
  bindings:
    - {roles: [operator], users: [alice]}
    - {roles: [approver], users: [bob]}
plugins:
  demo: {}
`;

let t: TestBot;
afterEach(async () => t?.stop());

const texts = (t: TestBot) => t.chat.posted.map((p) => renderText(p.message));

describe('dispatcher', () => {
  it('runs a command typed with a slash, a mention or the deckhand prefix', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    for (const line of [
      '/demo echo hi there',
      '@deckhand demo echo hi there',
      '/deckhand demo echo hi there',
      'demo echo "hi there"',
    ]) {
      const r = await t.say(line);
      expect(r.ok).toBe(true);
      expect(r.messages[0]?.text).toBe('hi there');
    }
    expect(normalizeCommandLine('/deckhand')).toBe('help');
  });

  it('answers an unknown command with a suggestion and ok=false', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const r = await t.say('/demo ecoh x');
    expect(r.ok).toBe(false);
    expect(r.messages[0]?.text).toBe('Unknown command `demo ecoh`. Did you mean `demo echo`?');
  });

  it('lists a group when given only its name, hiding what the user may not run', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const r = await t.say('demo', 'carol');
    expect(r.ok).toBe(true);
    const text = renderText(r.messages[0]!);
    expect(text).toContain('demo echo');
    expect(text).not.toContain('demo propose');
  });

  it('refuses a write to someone without a grant, naming the permission', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const r = await t.say('demo propose 1', 'carol');
    expect(r.ok).toBe(false);
    expect(r.messages[0]?.text).toBe('You (carol) need the permission gitops.propose.');
    expect((await t.bot.store.audit.query({ actor: 'carol' }))[0]).toMatchObject({
      outcome: 'DECK_NOT_ALLOWED',
      name: 'demo propose',
    });
  });

  it('routes a button press to its handler; four-eyes refusal leaves the button usable; second press is refused', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    counter.merged = 0;
    const proposal = await t.say('demo propose 7', 'alice');
    const id = (proposal.messages[0]?.buttons?.[0] as { actionId: string }).actionId;
    const own = await t.press(id, 'alice');
    expect(own.ok).toBe(false);
    expect(own.messages[0]?.text).toMatch(/need the permission gitops.approve/);
    const byCarol = await t.press(id, 'carol');
    expect(byCarol.ok).toBe(false);
    const [b1, b2] = await Promise.all([t.press(id, 'bob'), t.press(id, 'bob')]);
    expect([b1.ok, b2.ok].sort()).toEqual([false, true]);
    expect(counter.merged).toBe(1);
    const again = await t.press(id, 'bob');
    expect(again.messages[0]?.text).toMatch(/Already done by bob/);
  });

  it('shows progress for a slow command and replaces it with the answer', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const r = await t.say('demo slow 80');
    expect(r.ok).toBe(true);
    expect(t.chat.posted.map((p) => [p.message.text, p.updated ?? false])).toEqual([
      ['collecting…', false],
      ['collected', true],
    ]);
  });

  it('stops a command at its deadline and says so', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const r = await t.say('demo slow 5000');
    expect(r.ok).toBe(false);
    expect(texts(t).at(-1)).toContain('demo slow did not finish within 0 s');
    // The public progress note does not say "collecting…" forever; the reason is the asker's.
    const note = t.chat.posted.find((p) => p.message.text === 'collecting…')!;
    const edited = t.chat.posted.filter((p) => p.updated && p.ref.id === note.ref.id).at(-1)!;
    expect(edited.message.text).toBe('`demo slow` stopped; the reason went to whoever asked.');
    expect(edited.message.ephemeral).toBeUndefined();
    expect(t.chat.posted.at(-1)!.message.ephemeral).toBe(true);
  });

  it('turns expected errors into their message and bugs into an error id that is in the log', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    expect((await t.say('demo fail input')).messages[0]?.text).toBe('That is not an app name.');
    expect((await t.say('demo fail upstream')).messages[0]?.data).toMatchObject({
      error: { code: 'DECK_UPSTREAM_TIMEOUT' },
    });
    const bug = await t.say('demo fail bug');
    const text = bug.messages[0]?.text ?? '';
    const id = /error (e-[a-z0-9]+)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text).not.toContain('Cannot read properties');
    expect(t.logs.find((l) => l.errorId === id)).toMatchObject({ level: 50 });
  });

  it('answers privately what concerns the asker alone: errors, refusals, usage, help; the rest publicly', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config });
    const privately = async (line: string, as?: string) =>
      (await t.say(line, as)).messages.map((m) => m.ephemeral === true);
    expect(await privately('/demo echo hi')).toEqual([false]);
    expect(await privately('/demo ecoh hi')).toEqual([true]); // unknown
    expect(await privately('/demo echo --nope')).toEqual([true]); // usage
    expect(await privately('/demo propose 1', 'carol')).toEqual([true]); // refused
    expect(await privately('/help')).toEqual([true]);
    expect(await privately('/whoami')).toEqual([true]);
    expect(await privately('/demo')).toEqual([true]); // the group's list is help
    // The button's answer is the team's; a refusal of the press is the presser's.
    const card = (await t.say('/demo propose 2', 'alice')).messages[0]!;
    const id = (card.buttons![0] as { actionId: string }).actionId;
    expect((await t.press(id, 'carol')).messages.map((m) => m.ephemeral === true)).toEqual([true]);
  });

  it('commands.visibility overrides a command or a whole group', async () => {
    t = await createTestBot({
      plugins: [demo as AnyPlugin],
      config: config.replace(
        'commands: {timeoutMs: 400, progressAfterMs: 20}',
        'commands: {timeoutMs: 400, progressAfterMs: 20, visibility: {demo: private, help: public}}',
      ),
    });
    expect((await t.say('/demo echo hi')).messages[0]?.ephemeral).toBe(true);
    // A proposal stays where approvers see it, whatever the setting.
    expect((await t.say('/demo propose 3', 'alice')).messages[0]?.ephemeral).toBeUndefined();
    expect((await t.say('/help')).messages[0]?.ephemeral).toBeUndefined();
  });

  it('redacts configured secrets from what it posts', async () => {
    t = await createTestBot({
      plugins: [demo as AnyPlugin, secretHolder as AnyPlugin],
      config: config + '  secret-holder: {apiToken: s3cr3t-value-123}\n',
    });
    const r = await t.say('demo fail secret');
    expect(r.messages[0]?.text).toBe('token is [redacted]');
  });
});

const secretHolder = definePlugin({
  id: 'secret-holder',
  summary: 'holds a secret',
  config: z.object({ apiToken: z.string().optional() }),
  init() {},
});

describe('audit command', () => {
  const auditConfig = config
    .replace('  carol: {}\n', '  carol: {}\n  dora: {}\n')
    .replace(
      '    - {roles: [approver], users: [bob]}\n',
      '    - {roles: [approver], users: [bob]}\n    - {roles: [auditor], users: [dora]}\n',
    );

  it('shows who did what, filtered by user and app, only to those allowed to read it', async () => {
    t = await createTestBot({ plugins: [demo as AnyPlugin], config: auditConfig });
    await t.say('demo propose 3', 'alice');
    await t.say('demo propose 4', 'carol');
    const denied = await t.say('deckhand audit', 'carol');
    expect(denied.messages[0]?.text).toBe('You (carol) need the permission deckhand.audit.');
    const all = await t.say('deckhand audit --user alice', 'dora');
    expect(all.ok).toBe(true);
    const entries = (all.messages[0]?.data as { entries: { actor: string; name: string; outcome: string }[] })
      .entries;
    expect(entries.map((e) => [e.actor, e.name, e.outcome])).toEqual([['alice', 'demo propose', 'ok']]);
    const refusals = await t.say('audit --kind command --since 1h', 'dora');
    const names = (
      refusals.messages[0]?.data as { entries: { actor: string; outcome: string }[] }
    ).entries.map((e) => `${e.actor}:${e.outcome}`);
    expect(names).toEqual(expect.arrayContaining(['carol:DECK_NOT_ALLOWED', 'alice:ok']));
    expect((await t.say('audit --since forever', 'dora')).messages[0]?.text).toMatch(
      /--since: a duration like 30m, 24h or 7d/,
    );
  });
});
