/**
 * Routes by label against real Application objects: every labelled Application of the corpus
 * (test/fixtures/argocd-real, each file naming its public source) is served by the sandbox's Argo
 * CD, one instance each, and a notice about each goes through the bot's notify plugin, which reads
 * the app's labels through its real Argo CD client. A route names one real label of each app
 * (`key=value`, keys with dots and slashes as Argo CD and Helm write them); what reaches the
 * receiver is checked against the raw objects read here with plain lookups, not with deckhand's
 * selector parser.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/compose.ts';
import { definePlugin } from '../../src/core/plugin.ts';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { NotifyConfigSchema } from '../../src/plugins/notify/config.ts';
import { NotifyToken, type NotifyService } from '../../src/plugins/notify/index.ts';
import { loadCorpus } from '../support/argocd-corpus.ts';
import { botFor, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';
import { tempDir } from '../support/temp.ts';
import { eventually } from '../support/wait.ts';

type Raw = { metadata: { name: string; namespace?: string; labels?: Record<string, string> } };
const corpus = loadCorpus()
  .filter((c) => (c.application as Raw | undefined)?.metadata?.name)
  .map((c, i) => ({ file: c.file, instance: `f${i}`, app: c.application as Raw }));
const labelled = corpus.filter((c) => Object.keys(c.app.metadata.labels ?? {}).length > 0);
const unlabelled = corpus.filter((c) => Object.keys(c.app.metadata.labels ?? {}).length === 0);
/** Each labelled app's last label (the most specific, as files list them), as its route names it. */
const chosen = new Map(
  labelled.map((c) => [c.instance, Object.entries(c.app.metadata.labels ?? {}).at(-1) as [string, string]]),
);

let s: SandboxBot;
let bot: Bot;
let notify: NotifyService | undefined;
let receiver: Server;
const got: { subject: string; app?: string }[] = [];
const dir = tempDir('deckhand-labels-');

// A plugin of the test's own: it asks for the notify service as any plugin would.
const probe = definePlugin({
  id: 'probe',
  summary: 'hands the test the notify service',
  optionalDeps: { notify: NotifyToken },
  init({ deps }) {
    notify = deps.notify;
  },
});

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push(JSON.parse(body) as { subject: string; app?: string });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const file = join(dir, 'scenario.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'deckhand.dev/v1alpha1',
      kind: 'Scenario',
      metadata: { name: 'labels-real', description: 'labelled real Application objects' },
      argocd: corpus.map((c) => ({ name: c.instance, applications: [c.app] })),
    }),
  );
  s = await startSandboxBot({ scenario: file });
  ({ bot } = await botFor(
    s.run,
    (cfg) => {
      cfg.plugins.notify = NotifyConfigSchema.parse({
        sinks: [{ type: 'webhook', name: 'hooks', url, secret: 'labels-real-secret-0123456789' }],
        routes: [...chosen.values()].map(([k, v]) => ({
          events: ['incident.opened'],
          labels: `${k}=${v}`,
          sink: 'hooks',
        })),
      });
    },
    undefined,
    { plugins: [...bundledPlugins, probe] },
  ));
}, 60_000);
afterAll(async () => {
  await bot?.stop(2_000);
  await s?.stop();
  await new Promise((r) => receiver?.close(r));
});

/** Whether any route's label matches the raw object's labels: a plain lookup. */
const routed = (labels: Record<string, string> | undefined) =>
  [...chosen.values()].some(([k, v]) => labels?.[k] === v);

describe('routes by label on real Application objects', () => {
  it(`holds labelled and unlabelled apps (${labelled.length} and ${unlabelled.length})`, () => {
    expect(labelled.length).toBeGreaterThanOrEqual(8);
    expect(unlabelled.length).toBeGreaterThan(0);
    expect([...chosen.values()].some(([k]) => k.includes('/'))).toBe(true);
  });

  it('sends a notice about each app whose labels a route selects, and none about the others', async () => {
    expect(notify).toBeDefined();
    for (const c of corpus)
      await notify!.notify({
        event: 'incident.opened',
        subject: `labels/${c.instance}`,
        app: c.app.metadata.name,
        instance: c.instance,
        message: { text: `${c.file}: an incident` },
      });
    const want = corpus.filter((c) => routed(c.app.metadata.labels)).map((c) => `labels/${c.instance}`);
    expect(want.length).toBe(labelled.length);
    await eventually(`${want.length} notices at the receiver`, () => got.length >= want.length, {
      timeoutMs: 20_000,
    });
    expect(got.map((g) => g.subject).sort()).toEqual([...want].sort());
    // Each as the app it is about.
    for (const g of got)
      expect(g.app).toBe(corpus.find((c) => `labels/${c.instance}` === g.subject)?.app.metadata.name);
  }, 60_000);
});
