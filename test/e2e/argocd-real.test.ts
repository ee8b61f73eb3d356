/**
 * Every real Application of the corpus served by the sandbox's Argo CD (one instance each, so
 * names may repeat) and read by the bot through its real client: every read command and
 * `/diagnose` answers each of them without an internal error, and the status card's data agrees
 * with the object as the sandbox put it on the wire.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../support/argocd-corpus.ts';
import { dataOf, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';
import { tempDir } from '../support/temp.ts';

const corpus = loadCorpus().filter(
  (c) => c.application && (c.application.metadata as { name?: string })?.name,
);
let s: SandboxBot;
const dir = tempDir('deckhand-corpus-');

beforeAll(async () => {
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

  // What /diagnose says of real shapes: the category, and the advice given or held back. There is
  // no cluster in this world, so failure modes of pods go unchecked and only Argo CD's own
  // failures (critical, and first in rank) can be named the root cause.
  it.each([
    ['codefresh-docs-restricted-git-source.yaml', { root: 'ComparisonError' }],
    [
      'it-academy-jenkins-helm-failed-sync-retry.yaml',
      { root: 'SyncFailed', fixWithheld: /a chart repository, not Git/ },
    ],
    [
      'media-construct-radarr-sync-running.yaml',
      { finds: 'SyncStuck', withheld: 'a sync is running: no advice to sync' },
    ],
    [
      'argo-cd-metrics-operation-running-no-operation.yaml',
      { finds: 'SyncStuck', withheld: 'a sync is running: no advice to sync' },
    ],
    [
      'argo-cd-metrics-deleting.yaml',
      { finds: 'OutOfSync', withheld: 'my-app-3 is being deleted: no advice to sync' },
    ],
  ] as const)(
    '%s: /diagnose names what Argo CD shows and withholds what does not apply',
    async (file, want) => {
      const i = corpus.findIndex((c) => c.file === file);
      const app = corpus[i]?.application as { metadata: { name: string; namespace?: string } };
      const ns =
        app.metadata.namespace && app.metadata.namespace !== 'argocd' ? `${app.metadata.namespace}/` : '';
      const data = dataOf(await s.exec(`/diagnose ${ns}${app.metadata.name}@f${i}`));
      const d = data.diagnosis;
      if ('root' in want) expect(d.rootCause?.category).toBe(want.root);
      else expect([d.rootCause, d.incomplete.length > 0]).toEqual([undefined, true]);
      if ('finds' in want)
        expect(d.findings.map((f: { category: string }) => f.category)).toContain(want.finds);
      if ('withheld' in want) expect(d.withheld).toContain(want.withheld);
      if ('fixWithheld' in want) expect(data.fixWithheld).toMatch(want.fixWithheld);
    },
  );

  it('lists them all, across every instance, with readable states', async () => {
    const r = await s.exec('/argo list --page-size 200');
    expect(r.ok).toBe(true);
    expect(dataOf(r).total).toBe(corpus.length);
  });
});
