/**
 * Plugins switched off in the configuration, through the whole stack. GitOps off: diagnosis, which
 * can do without it, still names the cause and says why it offers no fix; remediation, which
 * cannot, is left out with the reason; `plugins` shows both. Diagnosis off: digests still go out
 * (their alerts without [Diagnose], src/plugins/digest/transitions.test.ts), incidents are left out.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

const SHOP = join(import.meta.dirname, '..', 'fixtures', 'advice', 'shop.yaml');

let shop: SandboxBot;
beforeAll(async () => {
  shop = await startSandboxBot({
    scenario: SHOP,
    overrides: (cfg) => {
      cfg.plugins.gitops.enabled = false;
    },
  });
}, 60_000);
afterAll(async () => shop?.stop());

describe('diagnosis without gitops', () => {
  it('diagnoses cart and offers no fix button, saying why', async () => {
    const r = await shop.exec('/diagnose cart');
    expect(r.ok).toBe(true);
    // The same diagnosis as with GitOps on (diagnosis-advice.test.ts), only without the change.
    expect(dataOf(r).diagnosis.rootCause).toMatchObject({ category: 'SyncFailed', confidence: 'high' });
    expect(r.messages.flatMap((m) => m.buttons ?? [])).toEqual([]);
    expect(textOf(r)).toContain(
      'No fix offered: the gitops plugin is off, so deckhand opens no pull requests',
    );
  });

  it('has no gitops commands, and `plugins` says what is off and why', async () => {
    expect(shop.bot.registry.all().some((c) => c.plugin === 'gitops')).toBe(false);
    const r = await shop.exec('/plugins');
    expect(r.ok).toBe(true);
    const byId = Object.fromEntries(
      (dataOf(r).plugins as { id: string; state: string; reason?: string }[]).map((p) => [p.id, p]),
    );
    expect(byId.gitops).toMatchObject({ state: 'disabled' });
    expect(byId.diagnosis).toMatchObject({ state: 'loaded' });
    expect(byId.remediation).toMatchObject({
      state: 'left-out',
      reason: 'it needs GitOps, and gitops is disabled',
    });
    expect(shop.bot.host.failed).toEqual([]);
  });
});

describe('digest without diagnosis', () => {
  let demo: SandboxBot;
  beforeAll(async () => {
    demo = await startSandboxBot({
      overrides: (cfg) => {
        cfg.plugins.diagnosis = { ...cfg.plugins.diagnosis, enabled: false };
      },
    });
  }, 60_000);
  afterAll(async () => demo?.stop());

  it('still posts digests; incidents, which need a root cause, are left out', async () => {
    const r = await demo.exec('/plugins');
    const byId = Object.fromEntries(
      (dataOf(r).plugins as { id: string; state: string; reason?: string }[]).map((p) => [p.id, p]),
    );
    expect(byId.digest).toMatchObject({ state: 'loaded' });
    expect(byId.incidents).toMatchObject({ state: 'left-out' });
    expect(byId.incidents?.reason).toMatch(/diagnosis is disabled/);
    const digest = await demo.exec('/digest');
    expect(digest.ok).toBe(true);
    expect(textOf(digest)).toMatch(/naver-news/);
  });
});
