/**
 * Every real Application of the corpus served by the sandbox's Argo CD (one instance each, so
 * names may repeat) and read by the bot through its real client: every read command and
 * `/diagnose` answers each of them without an internal error, and the status card's data agrees
 * with the object as the sandbox put it on the wire.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../support/argocd-corpus.ts';
import { dataOf, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';

const corpus = loadCorpus().filter(
  (c) => c.application && (c.application.metadata as { name?: string })?.name,
);
let s: SandboxBot;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deckhand-corpus-'));
  const scenario = {
    apiVersion: 'deckhand.dev/v1alpha1',
    kind: 'Scenario',
    metadata: { name: 'argocd-real', description: 'the corpus of real Application objects' },
    argocd: corpus.map((c, i) => ({ name: `f${i}`, applications: [c.application] })),
  };
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, stringify(scenario));
  s = await startSandboxBot({ scenario: file });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const COMMANDS = ['argo status', 'argo history', 'argo resources', 'argo diff', 'diagnose'];

describe('real Application objects through the sandbox and the bot', () => {
  it.each(corpus.map((c, i) => [c.file, i] as const))('%s: every read command answers', async (_f, i) => {
    const app = corpus[i]?.application as { metadata: { name: string; namespace?: string } };
    const ns =
      app.metadata.namespace && app.metadata.namespace !== 'argocd' ? `${app.metadata.namespace}/` : '';
    const ref = `${ns}${app.metadata.name}@f${i}`;
    for (const cmd of COMMANDS) {
      const r = await s.exec(`/${cmd} ${ref}`);
      const error = dataOf(r).error as { code?: string; message?: string } | undefined;
      expect(error?.code, `${cmd} ${ref}: ${error?.message ?? ''}`).not.toBe('DECK_INTERNAL');
      expect(r.ok, `${cmd} ${ref}: ${error?.code} ${error?.message}`).toBe(true);
    }
    const status = dataOf(await s.exec(`/argo status ${ref}`)).app;
    const raw = corpus[i]?.application as {
      status?: { sync?: { status?: string }; health?: { status?: string } };
    };
    expect(status.sync).toBe(raw.status?.sync?.status || 'NotReconciled');
    expect(status.health).toBe(raw.status?.health?.status || 'NotReconciled');
  });

  it('lists them all, across every instance, with readable states', async () => {
    const r = await s.exec('/argo list --page-size 200');
    expect(r.ok).toBe(true);
    expect(dataOf(r).total).toBe(corpus.length);
  });
});
