/**
 * Issue 10's acceptance against the demo world: a Healthy app whose pods fail turns Degraded in
 * Argo CD, and the bot posts one alert (with [Diagnose]) in its team's channel, then one recovery
 * in the alert's thread when the pods are fine again; `/digest now` lists exactly its selection.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Conversation, Message } from '../../src/core/message/model.ts';
import { DigestConfigSchema } from '../../src/plugins/digest/config.ts';
import type { KubeObject } from '../../src/sandbox/scenario.ts';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

let s: SandboxBot;
const posts: { to: Conversation; m: Message }[] = [];

/** Poll a condition at a short interval: events cross real HTTP servers, so they take a moment. */
const until = (what: string, ok: () => boolean, timeoutMs = 10_000) => eventually(what, ok, { timeoutMs });

const about = (app: string) => posts.filter((p) => JSON.stringify(p.m.data ?? {}).includes(`"app":"${app}"`));
const alertsFor = (app: string) => about(app).filter((p) => p.m.data?.transition);
const recoveriesFor = (app: string) => about(app).filter((p) => p.m.data?.recovered);

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      // The configuration is already parsed here: the section gets its defaults from the schema.
      cfg.plugins.digest = DigestConfigSchema.parse({
        schedules: [
          {
            id: 'flash-prod',
            channel: 'console:console',
            cron: '0 9 * * 1-5',
            timeZone: 'Europe/Berlin',
            select: { projects: ['flash-tickets'], labels: 'flash-tickets.dev/env=prod' },
          },
          { id: 'homelab-sweep', channel: 'console:homelab', cron: '*/10 * * * *', kind: 'sweep' },
        ],
        transitions: {
          routes: [
            { select: { projects: ['flash-tickets'] }, channel: 'console:flash-tickets' },
            { select: { projects: ['default'] }, channel: 'console:homelab' },
          ],
          defaultChannel: 'console:ops',
        },
      });
    },
  });
  const post = s.bot.chat.post.bind(s.bot.chat);
  vi.spyOn(s.bot.chat, 'post').mockImplementation(async (to, m) => {
    posts.push({ to: typeof to === 'string' ? { platform: 'console', channel: to } : to, m });
    return post(to, m);
  });
  // Alerts come from the watch: wait until every Argo CD cache is listed and following the stream.
  const checks = s.bot.http.readiness;
  for (let i = 0; i < 500; i++) {
    const states = await Promise.all(checks.map((c) => c.check().catch((e: Error) => e.message)));
    if (states.every((x) => x === null)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
}, 60_000);
afterAll(async () => s?.stop());

describe('transition alerts and digests in the demo world', () => {
  it('alerts once in the team channel when friend-app turns Degraded, and follows up once when it recovers', async () => {
    const { world, controller } = s.run.sandbox;
    const cluster = world.cluster('in-cluster')!;
    const get = (kind: string, apiVersion: string, name: string) =>
      structuredClone(cluster.get(apiVersion, kind, 'friend-app', name) as KubeObject);
    const deployment = get('Deployment', 'apps/v1', 'friend-app');
    const podNames = cluster
      .list('v1', 'Pod', 'friend-app')
      .map((p) => p.metadata.name)
      .sort();
    const pods = podNames.map((n) => get('Pod', 'v1', n));
    expect(about('friend-app')).toHaveLength(0);

    // The new pods crash; the rollout stalls past its deadline: Argo CD says Degraded.
    for (const pod of pods) {
      const broken = structuredClone(pod) as any;
      broken.status.phase = 'Running';
      broken.status.conditions = [{ type: 'Ready', status: 'False' }];
      broken.status.containerStatuses = [
        {
          name: 'friend-app',
          image: 'ghcr.io/sijunkim/friend-app:v1.3.2',
          ready: false,
          restartCount: 6,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s restarting failed container' },
          },
          lastState: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ];
      cluster.upsert(broken);
    }
    const stalled = structuredClone(deployment) as any;
    stalled.status = {
      ...stalled.status,
      availableReplicas: 0,
      readyReplicas: 0,
      unavailableReplicas: 2,
      conditions: [
        { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "friend-app-bd7ct9jtk7" has timed out progressing.',
        },
      ],
    };
    cluster.upsert(stalled);
    controller.refreshHealth(cluster);
    await until('the Degraded alert', () => alertsFor('friend-app').length > 0);

    // A sweep checks every app again; it must not alert a second time.
    expect(await s.bot.jobs.runNow('digest.homelab-sweep')).toBe('ok');
    const alerts = alertsFor('friend-app');
    expect(alerts).toHaveLength(1);
    const alert = alerts[0]!;
    expect(alert.to.channel).toBe('homelab');
    expect(alert.m.text).toBe('friend-app is Degraded');
    expect(alert.m.data?.transition).toMatchObject({
      kind: 'degraded',
      app: 'friend-app',
      instance: 'default',
    });
    expect(textOf({ messages: [alert.m] })).toContain('exceeded its progress deadline');
    const diagnose = alert.m.buttons?.find((b) => b.label === 'Diagnose') as { actionId: string } | undefined;
    expect(diagnose).toBeDefined();
    expect(s.output()).toContain(`[Diagnose] (${diagnose!.actionId})`);

    // The button diagnoses the app, in the alert's thread.
    const pressed = await s.press(diagnose!.actionId, 'carol');
    expect(pressed.ok).toBe(true);
    const diagnosis = pressed.messages.find((m) => m.data?.diagnosis)?.data?.diagnosis as any;
    expect(diagnosis.app).toBe('friend-app');
    expect(diagnosis.findings.map((f: { category: string }) => f.category)).toContain('CrashLoopBackOff');

    // The pods are fine again: Healthy, and one recovery message in the alert's thread.
    for (const pod of pods) cluster.upsert(structuredClone(pod));
    cluster.upsert(structuredClone(deployment));
    controller.refreshHealth(cluster);
    await until('the recovery', () => recoveriesFor('friend-app').length > 0);
    expect(await s.bot.jobs.runNow('digest.homelab-sweep')).toBe('ok');
    const recoveries = recoveriesFor('friend-app');
    expect(recoveries).toHaveLength(1);
    expect(recoveries[0]!.to).toMatchObject({ channel: 'homelab' });
    expect(recoveries[0]!.to.thread).toBeTruthy();
    expect(recoveries[0]!.m.text).toMatch(/^✅ friend-app is Healthy again after /);
    expect(alertsFor('friend-app')).toHaveLength(1);
    expect((dataOf(await s.exec('/argo status friend-app')).app as any).health).toBe('Healthy');
  });

  it('/digest now lists exactly the apps of the schedule for this channel', async () => {
    const expected = s.run.sandbox.world.instances[0]!.list()
      .filter(
        (a: any) =>
          a.spec.project === 'flash-tickets' && a.metadata.labels?.['flash-tickets.dev/env'] === 'prod',
      )
      .map((a) => a.metadata.name)
      .sort();
    expect(expected).toEqual([
      'flash-api-prod',
      'flash-gateway-prod',
      'flash-pay-worker-prod',
      'flash-web-prod',
    ]);
    // The record of deployments a digest reads is kept by a job (every 10 minutes) and by /argo dora.
    expect((await s.exec('/argo dora --project flash-tickets')).ok).toBe(true);
    const r = await s.exec('/digest now');
    expect(r.ok).toBe(true);
    const digest = dataOf(r).digest;
    expect(digest.schedule).toBe('flash-prod');
    expect(digest.apps.map((a: { name: string }) => a.name).sort()).toEqual(expected);
    // Every app of the selection is named, and no other app of the world.
    const text = textOf(r);
    for (const name of expected) expect(text).toContain(name);
    const others = s.run.sandbox.world.instances[0]!.list()
      .map((a) => a.metadata.name)
      .filter((n) => !expected.includes(n));
    for (const name of others) expect(text).not.toContain(name);
    expect(text).toContain('4 apps');
    // Asked for, it is compared with the last scheduled digest, and none has gone out here yet.
    expect(text).toContain('Since the last digest:** no scheduled digest has gone out yet to compare with.');
    // The troubled ones with a reason: flash-api-prod is stuck on a bad image tag, flash-web-prod drifted.
    expect(digest.troubled.map((t: { name: string }) => t.name).sort()).toEqual([
      'flash-api-prod',
      'flash-web-prod',
    ]);
    const chart = r.messages.at(-1)?.attachments?.[0] as { path: string } | undefined;
    expect(chart && existsSync(chart.path)).toBe(true);
    expect(readFileSync(chart!.path).subarray(1, 4).toString()).toBe('PNG');
    // The four keys of the same apps over 30 days, with their weekly chart.
    expect(text).toMatch(
      /Delivery, last 30 days:\*\* deployments \d+ .* · lead time .* · change failure rate .* · time to restore /,
    );
    expect(digest.delivery.keys.deployments).toBeGreaterThan(0);
    const weekly = r.messages.at(-1)?.attachments?.[1] as { path: string; filename: string } | undefined;
    expect(weekly?.filename).toBe('digest-flash-prod-delivery.png');
    expect(readFileSync(weekly!.path).subarray(1, 4).toString()).toBe('PNG');
  });

  it('/schedules shows both schedules', async () => {
    const r = await s.exec('/schedules');
    expect(r.ok).toBe(true);
    expect(dataOf(r).schedules.map((x: { id: string; kind: string }) => [x.id, x.kind])).toEqual([
      ['flash-prod', 'digest'],
      ['homelab-sweep', 'sweep'],
    ]);
    // The next run in the schedule's own zone, and in UTC.
    expect(textOf(r)).toMatch(/\d{4}-\d\d-\d\d 09:00 Europe\/Berlin \((\d{4}-\d\d-\d\d )?0[78]:00 UTC\)/);
    expect(textOf(r)).toMatch(/\d{4}-\d\d-\d\d \d\d:\d0 UTC/);
  });

  it('every scheduled run is in the audit trail with what it did', async () => {
    expect(await s.bot.jobs.runNow('digest.flash-prod')).toBe('ok');
    const r = await s.exec('/audit --kind schedule');
    const entries = dataOf(r).entries as { name: string; outcome: string; detail: Record<string, unknown> }[];
    expect(entries.find((e) => e.name === 'flash-prod')).toMatchObject({
      outcome: 'posted',
      detail: { kind: 'digest' },
    });
    expect(entries.find((e) => e.name === 'homelab-sweep')).toMatchObject({
      outcome: 'swept',
      detail: { kind: 'sweep', alerts: 0 },
    });
  });
});
