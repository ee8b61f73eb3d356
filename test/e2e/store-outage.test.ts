/**
 * Issue 20's acceptance for a database outage: two `deckhand start` replicas share one real
 * PostgreSQL, Alertmanager keeps delivering to both, and the database is stopped as an operator's
 * restart stops it (`pg_ctl stop -m fast`: every session gets 57P01 and is closed, new connections
 * are refused) for longer than every background loop's period, then started again. Nothing may
 * exit; /readyz must say the store is the reason while it is down; everything resumes by itself.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { parse } from 'yaml';
import { bundledPlugins } from '../../src/plugins/index.ts';
import { runSandbox, type SandboxRun } from '../../src/sandbox/cli.ts';
import { execOnce } from '../../src/adapters/console/exec.ts';
import { oomAlertGroup, postAlertGroup } from '../support/alerts.ts';
import { botFor, textOf } from '../support/sandbox-bot.ts';
import { startTestPostgres } from '../support/postgres.ts';
import { Replicas, type Replica } from '../support/replicas.ts';
import { tempDir } from '../support/temp.ts';

const server = await startTestPostgres();
const skipped = 'skipped' in server ? server.skipped : undefined;
// On CI every tool the suite needs is there: a missing PostgreSQL is a failure, not a skip.
if (skipped && process.env.CI) throw new Error(`PostgreSQL is needed on CI: ${skipped}`);
/** The follow-up and approval sweeps' period here (5 s and 15 s by default). */
const SWEEP_SECONDS = 0.5;
/** Several sweeps long, so every loop meets the outage at least once. */
const OUTAGE_MS = 2_500;
const TOKEN = 'outage-test-alertmanager-token';

const dir = tempDir('deckhand-outage-');
let run: SandboxRun;
let replicas: Replicas;

beforeAll(async () => {
  replicas = new Replicas(dir);
  if (skipped) return;
  run = await runSandbox({ dataDir: dir, timeScale: 0.01, plugins: bundledPlugins.map((p) => p.id) });
}, 60_000);

afterAll(async () => {
  await replicas?.killAll();
  await run?.sandbox.stop();
  if (server.url) await server.stop();
});

async function readyz(r: Replica): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${r.port}/readyz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json() };
}

describe.skipIf(!!skipped)(
  `two replicas through a PostgreSQL restart${skipped ? ` (skipped: ${skipped})` : ''}`,
  () => {
    it('keeps serving, says the store is why it is not ready, and resumes by itself', async () => {
      if (!('outage' in server) || !server.outage)
        throw new Error('this test needs a PostgreSQL it can stop');
      const { outage } = server;
      const url = await server.freshUrl();
      const base = parse(readFileSync(run.configFile, 'utf8')) as Record<string, any>;
      const config = {
        ...base,
        store: { postgres: { url } },
        server: { enabled: true, port: 0 },
        log: { level: 'info', format: 'json' },
        plugins: {
          ...base.plugins,
          gitops: {
            ...base.plugins.gitops,
            merge: { ...base.plugins.gitops?.merge, sweepSeconds: SWEEP_SECONDS },
            followUp: { ...base.plugins.gitops?.followUp, sweepSeconds: SWEEP_SECONDS },
          },
          incidents: { webhookToken: TOKEN, defaultChannel: 'console:console' },
          digest: { transitions: { defaultChannel: 'console:console' } },
        },
      };
      const [a, b] = [replicas.start('a', config), replicas.start('b', config)] as [Replica, Replica];
      await replicas.until('both replicas to listen', () => !!a.port && !!b.port, 30_000);
      await replicas.until(
        'both replicas ready',
        async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200,
        15_000,
      );

      // Alertmanager keeps delivering, to both replicas, before, during and after the outage.
      const answers: { at: number; status: number | string; ms: number; group: number; key?: string }[] = [];
      const post = (group: number, to: Replica) => {
        const t0 = Date.now();
        return postAlertGroup(`http://127.0.0.1:${to.port}`, TOKEN, oomAlertGroup('naver-news', group))
          .then((r) => ({ at: t0, status: r.status, key: r.key, ms: Date.now() - t0, group }))
          .catch((e: Error) => ({
            at: t0,
            status: e.message as number | string,
            key: undefined as string | undefined,
            ms: Date.now() - t0,
            group,
          }));
      };
      let n = 0;
      let delivering = true;
      const deliver = (async () => {
        while (delivering) {
          ++n;
          answers.push(await post(n, n % 2 ? a : b));
          await new Promise((r) => setTimeout(r, 150));
        }
      })();
      await replicas.until(
        'a thread posted before the outage',
        () => a.out.includes('KubePodOOMKilled') || b.out.includes('KubePodOOMKilled'),
        15_000,
      );

      const downAt = Date.now();
      await outage.down();
      // Not ready, saying why, within seconds — on both.
      await replicas.until(
        'both replicas to report the store',
        async () => {
          const [ra, rb] = [await readyz(a), await readyz(b)];
          return [ra, rb].every(
            (r) =>
              r.status === 503 &&
              r.body.checks.some(
                (c: any) =>
                  c.name === 'store' &&
                  !c.ok &&
                  /database \(PostgreSQL\) is unavailable|PostgreSQL did not answer/.test(c.reason),
              ),
          );
        },
        5_000,
      );
      const notReadyAfter = Date.now() - downAt;
      await replicas.until('the outage to last', () => Date.now() - downAt >= OUTAGE_MS, OUTAGE_MS + 1_000);
      expect(a.alive() && b.alive()).toBe(true);
      await outage.up();
      const upAt = Date.now();
      await replicas.until(
        'both replicas ready again',
        async () => (await readyz(a)).status === 200 && (await readyz(b)).status === 200,
        15_000,
      );
      const readyAfter = Date.now() - upAt;
      // Deliveries after the database is back become threads again.
      const threadsBefore = (a.out + b.out).split('KubePodOOMKilled').length;
      await replicas.until(
        'a new thread after the outage',
        () => (a.out + b.out).split('KubePodOOMKilled').length > threadsBefore,
        15_000,
      );
      delivering = false;
      await deliver;
      // As Alertmanager does with a 5xx: send the refused groups again until they are taken (it
      // backs off between tries; here a quarter second, not the Retry-After's full seconds).
      const refused = answers.filter((x) => x.status === 503);
      const resent: typeof answers = [];
      let pending = refused.map((x) => x.group);
      const resendUntil = Date.now() + 20_000;
      while (pending.length && Date.now() < resendUntil) {
        const tries = await Promise.all(pending.map((g) => post(g, g % 2 ? a : b)));
        resent.push(...tries.filter((x) => x.status !== 503));
        pending = tries.filter((x) => x.status === 503).map((x) => x.group);
        if (pending.length) await new Promise((r) => setTimeout(r, 250));
      }
      expect(pending).toEqual([]);
      expect(
        resent.every((x) => x.status === 202 || x.status === 200),
        JSON.stringify(resent),
      ).toBe(true);
      // Nothing lost: every group Alertmanager was told was taken is recorded, once.
      const accepted = new Set(
        [...answers, ...resent].filter((x) => x.status === 202 || x.status === 200).map((x) => x.key),
      );
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        await replicas.until(
          'every accepted group recorded',
          async () => {
            const r = await db.query<{ id: string }>(
              "SELECT id FROM deckhand_docs WHERE collection = 'incidents'",
            );
            const have = new Set(r.rows.map((row) => row.id));
            return [...accepted].every((k) => have.has(k as string));
          },
          45_000,
        );
      } finally {
        await db.end();
      }

      // Every delivery was answered, none hung: refused while the database was down (Alertmanager
      // retries a 5xx), accepted otherwise.
      const during = answers.filter((x) => x.at >= downAt && x.at < upAt);
      expect(during.length).toBeGreaterThan(5);
      expect(answers.every((x) => typeof x.status === 'number' && x.ms < 10_000)).toBe(true);
      expect(
        answers
          .filter((x) => x.at < downAt || x.at > upAt + readyAfter)
          .every((x) => x.status === 200 || x.status === 202 || x.status === 503),
      ).toBe(true);
      // While it was down: 202 for what was taken before the outage was noticed (held and retried),
      // then 503 so Alertmanager keeps the rest.
      expect(during.some((x) => x.status === 503)).toBe(true);
      for (const r of [a, b]) {
        expect(r.alive()).toBe(true);
        expect(r.said(/unhandled|uncaught/)).toEqual([]);
        // The loops told the outage once each, not once per tick per app.
        expect(
          r.logs.filter((l) => l.level === 40 && /failed; retrying with backoff/.test(l.msg)).length,
        ).toBeLessThan(10);
        const metrics = await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
        expect(metrics).toMatch(/^deckhand_unhandled_rejections_total 0$/m);
      }
      process.stdout.write(
        `outage ${OUTAGE_MS} ms: not ready (store) ${notReadyAfter} ms after the stop, ready ${readyAfter} ms after the start; ` +
          `${answers.length} deliveries, ${during.length} during the outage (statuses ${[...new Set(during.map((x) => x.status))].join(', ')}), ` +
          `slowest answer ${Math.max(...answers.map((x) => x.ms))} ms; ${refused.length} refused with 503 and sent again, ${accepted.size} groups recorded\n`,
      );
    }, 90_000);
    it('answers reads while the database is down, refuses writes saying why, and changes nothing', async () => {
      if (!('outage' in server) || !server.outage)
        throw new Error('this test needs a PostgreSQL it can stop');
      const { outage } = server;
      const url = await server.freshUrl();
      const { bot, adapter } = await botFor(run, (cfg) => {
        cfg.store = { postgres: { url } };
      });
      const exec = (line: string, as = 'alice') =>
        execOnce(bot, adapter, { line, as, channel: 'console', json: true, out: { write: () => {} } });
      const repo = run.sandbox.repos.all()[0]!;
      const branches = async () =>
        [...(await repo.git.branches()).keys()].filter((b) => b.startsWith('deckhand/'));
      try {
        const before = await branches();
        await outage.down();
        try {
          const t0 = Date.now();
          for (const line of ['/argo status naver-news', '/k8s pods naver-news', '/diagnose naver-news'])
            expect((await exec(line)).ok, line).toBe(true);
          const write = await exec('/gitops scale friend-app 3');
          const took = Date.now() - t0;
          expect(write.ok).toBe(false);
          expect(textOf(write)).toMatch(/database \(PostgreSQL\) is unavailable/);
          expect(textOf(write)).not.toMatch(/Something went wrong/);
          // Within seconds, not the command deadline.
          expect(took).toBeLessThan(10_000);
          expect(await branches()).toEqual(before);
        } finally {
          await outage.up();
        }
        const again = await exec('/gitops scale friend-app 3');
        expect(again.ok).toBe(true);
        expect((await branches()).length).toBe(before.length + 1);
      } finally {
        await bot.stop(2_000);
      }
    }, 60_000);
  },
);
