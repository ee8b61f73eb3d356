/**
 * Issue 4's acceptance against the demo world: the Argo CD and Kubernetes commands through the
 * whole stack, for healthy, degraded, out-of-sync and failed-sync apps, and the answers when
 * Argo CD is down, slow or refuses the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execOnce } from '../../src/adapters/console/exec.ts';
import { botFor, dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

let s: SandboxBot;
beforeAll(async () => {
  s = await startSandboxBot();
}, 60_000);
afterAll(async () => s?.stop());

describe('argo commands against the demo world', () => {
  it('lists every app with counts by status first', async () => {
    const r = await s.exec('/argo list');
    expect(r.ok).toBe(true);
    const d = dataOf(r);
    expect(d.total).toBe(s.run.sandbox.world.instances[0]!.list().length);
    expect(d.counts.health.Degraded).toBeGreaterThanOrEqual(2);
    const names = d.apps.map((a: { name: string }) => a.name);
    expect(names).toContain('naver-news');
    expect(names).toContain('root-app');
  });

  it('filters by health', async () => {
    const d = dataOf(await s.exec('/argo list --health Degraded'));
    expect(d.apps.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['naver-news', 'flash-api-prod']),
    );
    expect(d.apps.every((a: { health: string }) => a.health === 'Degraded')).toBe(true);
  });

  it('shows a healthy app with its commit', async () => {
    const r = await s.exec('/argo status friend-app');
    expect(r.ok).toBe(true);
    const app = dataOf(r).app;
    expect(app).toMatchObject({ name: 'friend-app', sync: 'Synced', health: 'Healthy' });
    expect(app.revision).toMatch(/^[0-9a-f]{40}$/);
    expect(app.commit?.message).toBeTruthy();
  });

  it('shows a degraded app with its troubled resources and images', async () => {
    const r = await s.exec('/argo status naver-news');
    const app = dataOf(r).app;
    expect(app.health).toBe('Degraded');
    const images = app.images.map((i: { image: string }) => i.image).join(' ');
    expect(images).toContain('ghcr.io/sijunkim/naver-news-spring:master-');
    expect(app.unhealthy.map((u: { kind: string }) => u.kind)).toContain('Deployment');
  });

  it('shows a failed sync with its operation message', async () => {
    const app = dataOf(await s.exec('/argo status flash-gateway-staging')).app;
    expect(app.sync).toBe('OutOfSync');
    expect(app.lastOperation.stage).toBe('failed');
    expect(app.lastOperation.message).toContain('field is immutable');
  });

  it('diffs an app that drifted', async () => {
    const r = await s.exec('/argo diff flash-web-prod');
    expect(r.ok).toBe(true);
    const diff = dataOf(r)
      .differences.map((d: { diff: string }) => d.diff)
      .join('\n');
    // Live has 4 (someone scaled by hand), Git says 2.
    expect(diff).toMatch(/^-\s*replicas: 4$/m);
    expect(diff).toMatch(/^\+\s*replicas: 2$/m);
    expect(dataOf(r).differences.map((d: { resource: string }) => d.resource)).toEqual([
      'Deployment/flash-prod/flash-web',
    ]);
  });

  it('lists history and resources', async () => {
    const h = dataOf(await s.exec('/argo history naver-news'));
    expect(h.history.length).toBeGreaterThan(1);
    const res = dataOf(await s.exec('/argo resources naver-news'));
    expect(res.resources.some((x: { resource: string }) => x.resource.includes('Deployment'))).toBe(true);
  });

  it('offers the Git way instead of rolling back an auto-synced app: its own files as they were', async () => {
    const r = await s.exec('/argo rollback naver-news');
    const data = dataOf(r);
    expect(data.autoSync).toBe(true);
    expect(textOf(r).toLowerCase()).toContain('revert');
    const button = r.messages.at(-1)?.buttons?.[0] as { actionId: string } | undefined;
    const press = await s.press(button?.actionId ?? '', 'console');
    const card = press.messages.at(-1);
    expect(card?.text).toMatch(/roll back to [0-9a-f]{7}/);
    // The monorepo's other apps changed since then: their files stay as they are.
    const diff = (card?.blocks ?? []).flatMap((b) => (b.type === 'code' ? [b.code] : [])).join('\n');
    const files = [...diff.matchAll(/^\s*\+\+\+ b\/(\S+)|^\s*--- a\/(\S+)/gm)].map((m) => m[1] ?? m[2]);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f).toMatch(/^k8s\/apps\/naver-news\//);
  });

  it('answers unknown apps with close matches and bad names clearly', async () => {
    const r = await s.exec('/argo status naver-nwes');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toContain('naver-news');
    const bad = await s.exec('/argo status "Naver News!"');
    expect(bad.ok).toBe(false);
  });

  it('names an unknown instance and the known ones', async () => {
    const r = await s.exec('/argo status naver-news@nope');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toMatch(/nope/);
    expect(textOf(r)).toMatch(/default/);
  });

  it('says so when Argo CD refuses the token', async () => {
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.plugins.argocd.instances[0].token = 'not-the-token';
      cfg.plugins.argocd.cache.enabled = false;
    });
    try {
      const r = await execOnce(bot, adapter, {
        line: '/argo status naver-news',
        as: 'console',
        channel: 'c',
        json: true,
        out: { write: () => {} },
      });
      expect(r.ok).toBe(false);
      // Which credential, in words the redactor leaves whole (no "token: <word>").
      expect(textOf(r)).toMatch(/Argo CD \(default\) refused the token deckhand has for it \(HTTP 401/);
      expect(textOf(r)).toContain('plugins.argocd.instances[default]');
      expect(textOf(r)).not.toContain('[redacted]');
    } finally {
      await bot.stop(1_000);
    }
  });

  it('says which Kubernetes credential was refused, without the response headers', async () => {
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.plugins.k8s.clusters[0].token = 'not-the-token';
    });
    try {
      const r = await execOnce(bot, adapter, {
        line: '/k8s pods naver-news',
        as: 'console',
        channel: 'c',
        json: true,
        out: { write: () => {} },
      });
      expect(r.ok).toBe(false);
      const text = textOf(r);
      expect(text).toMatch(/Kubernetes \(in-cluster\) did not accept deckhand's credentials \(HTTP 401/);
      expect(text).toContain('plugins.k8s.clusters[in-cluster]');
      // client-node's exception message carries the response's headers: never shown.
      expect(text).not.toMatch(/Headers|HTTP-Code|content-length|keep-alive/i);
    } finally {
      await bot.stop(1_000);
    }
  });

  it('refuses sync to a viewer, naming the permission', async () => {
    const r = await s.exec('/argo sync friend-app', 'carol');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toContain('argo.sync');
  });
});

describe('k8s commands against the demo world', () => {
  it('shows the pods of a crash-looping app', async () => {
    const d = dataOf(await s.exec('/k8s pods naver-news'));
    expect(d.pods.length).toBeGreaterThan(0);
    expect(d.pods.some((p: { status: string }) => /CrashLoopBackOff|OOMKilled/.test(p.status))).toBe(true);
  });

  it('shows events and the previous log of the OOM-killed container', async () => {
    const ev = dataOf(await s.exec('/k8s events naver-news'));
    expect(ev.events.some((e: { reason: string }) => e.reason === 'BackOff')).toBe(true);
    const logs = await s.exec('/k8s logs naver-news --previous --tail 50');
    expect(logs.ok).toBe(true);
    // The kernel kills the JVM without a Java error: what shows is the heap filling up.
    expect(textOf(logs)).toMatch(/Pause Full \(G1 Compaction Pause\) 38\dM->/);
  });
});

describe('when Argo CD misbehaves', () => {
  it('names the unreachable instance when it is down, and recovers', async () => {
    await s.run.sandbox.setFaults('argocd/default', { down: true });
    try {
      const t = Date.now();
      // --refresh reads Argo CD itself rather than the watch cache.
      const r = await s.exec('/argo status friend-app --refresh');
      expect(r.ok).toBe(false);
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(textOf(r)).toMatch(/Cannot reach Argo CD \(default\)/);
    } finally {
      await s.run.sandbox.setFaults('argocd/default', { down: false });
    }
    expect((await s.exec('/argo status friend-app --refresh')).ok).toBe(true);
  });

  it('gives up on a slow instance within its configured deadline', async () => {
    // A bot with a short deadline, so the test waits a fraction of a second rather than five.
    const { bot, adapter } = await botFor(s.run, (cfg) => {
      cfg.plugins.argocd.instances[0].timeoutMs = 300;
      cfg.plugins.argocd.cache.enabled = false;
    });
    await s.run.sandbox.setFaults('argocd/default', { latencyMs: 3_000 });
    try {
      const t = Date.now();
      const r = await execOnce(bot, adapter, {
        line: '/argo status friend-app',
        as: 'console',
        channel: 'c',
        json: true,
        out: { write: () => {} },
      });
      expect(r.ok).toBe(false);
      expect(Date.now() - t).toBeLessThan(2_000);
      expect(textOf(r)).toContain('Argo CD (default) did not answer within 0.3 s');
    } finally {
      await s.run.sandbox.setFaults('argocd/default', { latencyMs: 0 });
      await bot.stop(1_000);
    }
  });
});
