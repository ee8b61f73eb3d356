/**
 * `whoami`'s "May change things" lists the write permissions a person holds, whether a command or
 * only a button uses them (Approve and Reject are buttons; no command needs gitops.approve).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestBot, renderText, type TestBot } from '../../../test/support/test-bot.ts';
import { defineAction } from '../actions.ts';
import { defineCommand } from '../commands/define.ts';
import { definePlugin, type AnyPlugin } from '../plugin.ts';

const probe = definePlugin({
  id: 'probe',
  summary: 'declares one write command, one write button and one read button',
  // It borrows argocd's and gitops's permissions, so it grants them as they do.
  grants: {
    'argo.mute': ['operator', 'approver'],
    'gitops.approve': ['approver'],
    'gitops.read': ['viewer', 'auditor', 'operator', 'approver'],
  },
  init({ commands, actions }) {
    commands.add(
      defineCommand({
        name: 'probe mute',
        summary: 'A write command',
        args: z.object({}),
        permission: 'argo.mute',
        effect: 'write',
        run: async () => ({ text: 'muted' }),
      }),
    );
    actions.add(
      // No effect given: a button is a write unless it says otherwise.
      defineAction({
        kind: 'probe.approve',
        params: z.object({}),
        permission: 'gitops.approve',
        run: async () => {},
      }),
      defineAction({
        kind: 'probe.diff',
        params: z.object({}),
        permission: 'gitops.read',
        effect: 'read',
        run: async () => {},
      }),
    );
  },
});

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot({
    plugins: [probe as AnyPlugin],
    config: [
      'server: {enabled: false}',
      'identities: { bob: {}, carol: {} }',
      'access:',
      '  bindings:',
      '    - { roles: [approver], users: [bob] }',
      '    - { roles: [viewer], users: [carol] }',
    ].join('\n'),
  });
});
afterAll(async () => t?.stop());

const whoami = async (as: string) => {
  const r = await t.say('whoami', as);
  expect(r.ok).toBe(true);
  const m = r.messages.at(-1)!;
  return { writes: (m.data as { writes: string[] }).writes, text: renderText(m) };
};

describe('whoami', () => {
  it('lists the writes of an approver, the button-only gitops.approve and argo.mute included', async () => {
    const bob = await whoami('bob');
    expect(bob.writes).toEqual(['argo.mute', 'gitops.approve']);
    expect(bob.text).toContain('argo.mute, gitops.approve');
  });

  it('lists nothing for an unknown user or a viewer: default roles and viewer grant reads only', async () => {
    for (const who of ['someone-unknown', 'carol']) {
      const w = await whoami(who);
      expect(w.writes).toEqual([]);
      expect(w.text).toContain('nothing (read-only)');
    }
  });
});
