/**
 * Issue 17 against the demo world, with the demo's bindings (alice operator, bob approver, carol
 * viewer): muting an app's alerts is a write of its own, `argo.mute`, and `whoami` names every write
 * a person holds, the ones only buttons use included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

let s: SandboxBot;
beforeAll(async () => {
  s = await startSandboxBot();
}, 60_000);
afterAll(async () => s?.stop());

// The transition watcher keeps a mute as a document per app of an Argo CD instance.
const mute = (app: string) =>
  s.bot.store.collection<{ until: number; by: string }>('mutes').get(`default/${app}`);

describe('argo mute', () => {
  it('refuses a viewer with the usual denial, and mutes nothing', async () => {
    const r = await s.exec('/argo mute friend-app 2h', 'carol');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toContain('You (carol) need the permission argo.mute');
    expect(await mute('friend-app')).toBeUndefined();
  });

  it('lets an operator mute and unmute; a viewer cannot unmute either', async () => {
    const r = await s.exec('/argo mute friend-app 2h', 'alice');
    expect(r.ok).toBe(true);
    expect(dataOf(r).muted).toMatchObject({ app: 'friend-app' });
    expect(await mute('friend-app')).toMatchObject({ by: 'alice' });

    const viewer = await s.exec('/argo unmute friend-app', 'carol');
    expect(viewer.ok).toBe(false);
    expect(textOf(viewer)).toContain('argo.mute');
    expect(await mute('friend-app')).toBeDefined();

    expect((await s.exec('/argo unmute friend-app', 'alice')).ok).toBe(true);
    expect(await mute('friend-app')).toBeUndefined();
  });
});

describe('whoami', () => {
  it("lists an approver's writes, gitops.approve (used only by buttons) and argo.mute included", async () => {
    const writes: string[] = dataOf(await s.exec('/deckhand whoami', 'bob')).writes;
    expect(writes).toEqual(
      expect.arrayContaining(['gitops.approve', 'argo.mute', 'argo.sync', 'gitops.propose']),
    );
    expect(writes).not.toContain('remediation.admin');
  });

  it('lists nothing for someone not in the configuration', async () => {
    const r = await s.exec('/deckhand whoami', 'stranger');
    expect(dataOf(r).writes).toEqual([]);
    expect(textOf(r)).toContain('May change things: nothing (read-only)');
  });
});
