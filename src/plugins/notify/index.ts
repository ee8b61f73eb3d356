/**
 * The notify plugin: notifications beyond chat. Other plugins tell it what happened (a digest, an
 * incident opened or resolved, a change merged and whether it went live, a remediation) through
 * NotifyToken; its routes send each to email and webhook sinks (signed), retried, and kept as dead
 * letters when they fail for good. `/deckhand sinks` shows them.
 */
import { ago } from '../../core/message/time.ts';
import { definePlugin } from '../../core/plugin.ts';
import { token } from '../../core/token.ts';
import { LoopHealth, startLoop } from '../../core/background.ts';
import { ClockToken, HttpToken, LoggerToken, RedactorToken, StoreToken } from '../../core/tokens.ts';
import { ArgoToken, type ArgoService } from '../argocd/index.ts';
import { EmailSink } from './email-sink.ts';
import { NotifyConfigSchema } from './config.ts';
import { Notifier, type AppLookup } from './notifier.ts';
import { sinkCommands } from './commands.ts';
import type { Notification, Sink } from './sink.ts';
import { WebhookSink } from './webhook-sink.ts';

export type { Notification } from './sink.ts';
export type { NotifyEvent } from './config.ts';

/** Tell sinks of an event; resolves to how many deliveries were queued (never rejects for a sink). */
export interface NotifyService {
  notify(n: Notification): Promise<number>;
  /**
   * As notify, but rejects when the deliveries could not be stored, or the app could not be read
   * for a route that selects by its labels or project: for a caller that keeps its own record of
   * what is still to be told, and tells it again later.
   */
  queue(n: Notification): Promise<number>;
  /** Queue and send at once; what was sent, and what waits or failed (sink and why). */
  sendNow(n: Notification): Promise<{ sent: string[]; waiting: string[]; failed: string[] }>;
}
export const NotifyToken = token<NotifyService>('Notify');

/** How long reading an app for routing may take before the routes by label or project skip it. */
const APP_TIMEOUT_MS = 5_000;

/** An app's labels and project: from the watch cache, else from Argo CD (exec has no cache). */
function appFrom(argo: ArgoService): AppLookup {
  return async (name, instance) => {
    const app =
      (instance ? argo.peek(instance, name) : undefined) ??
      (
        await argo.resolve(instance ? `${name}@${instance}` : name, {
          signal: AbortSignal.timeout(APP_TIMEOUT_MS),
        })
      ).app;
    return { labels: app.metadata.labels ?? {}, project: app.spec.project };
  };
}

/** How often deliveries that wait (retries) are looked at. */
const DRAIN_EVERY_MS = 5_000;

export const notifyPlugin = definePlugin({
  id: 'notify',
  summary:
    'Notifications beyond chat: email and signed webhooks for digests, incidents, changes and remediations, retried, with dead letters',
  config: NotifyConfigSchema,
  deps: { store: StoreToken, clock: ClockToken, log: LoggerToken, redactor: RedactorToken, http: HttpToken },
  // Without Argo CD, routes by label (a team's apps) match nothing.
  optionalDeps: { argo: ArgoToken },
  provides: [NotifyToken],
  // What the sinks sent and failed is read with the audit trail. notify.admin (`sinks retry`, a
  // write: it reaches people and systems) is no role's but admin's `*`, unless a role names it.
  grants: { 'notify.read': ['auditor'] },
  init({ config, deps, commands, provide, onServe, onClose }) {
    const now = () => deps.clock.now();
    // A webhook address may hold its token in the path (Slack, Discord, Teams): masked wherever
    // it appears, as configured secrets are (secret() marks the schema; it registers nothing). A
    // short path (`/deckhand`) is a route, not a token, and masking it would garble plain words.
    for (const s of config.sinks)
      if (s.type === 'webhook') {
        const u = new URL(s.url);
        const rest = `${u.pathname}${u.search}`;
        deps.redactor.addSecrets([s.url, ...(rest.length >= 20 ? [rest] : [])]);
      }
    const sinks = config.sinks.map((s) =>
      s.type === 'webhook' ? new WebhookSink(s, now) : new EmailSink(s, now),
    );
    // A mail server or a receiver that refuses or is gone shows in /readyz (degraded: deckhand
    // still works), until a delivery goes through.
    for (const s of sinks)
      deps.http.readiness.push({
        name: `notify:${s.name}`,
        degraded: true,
        check: async () => {
          const f: Sink['lastFailure'] = s.lastFailure;
          if (!f) return null;
          const what = s instanceof EmailSink ? 'mail' : 'delivery';
          return deps.redactor.text(`the last ${what} failed ${ago(f.at, now())}: ${f.brief ?? f.error}`);
        },
      });
    const notifier = new Notifier({
      sinks,
      config,
      store: deps.store,
      clock: deps.clock,
      log: deps.log,
      redactor: deps.redactor,
      ...(deps.argo ? { appOf: appFrom(deps.argo) } : {}),
    });
    // Until it serves (and in `deckhand exec`, which never does), a process sends what it queues.
    notifier.sendOwn();
    provide(NotifyToken, {
      notify: (n) =>
        notifier.notify(n).catch((err: unknown) => {
          deps.log.warn({ err: (err as Error).message, event: n.event }, 'notify: could not queue');
          return 0;
        }),
      queue: (n) => notifier.notify(n, { strict: true }),
      sendNow: (n) => notifier.sendNow(n),
    });
    let loop: { stop(): void } | undefined;
    onServe(() => {
      if (!sinks.length) return;
      notifier.serve();
      loop = startLoop(
        new LoopHealth('notify sinks', deps.log, { baseMs: DRAIN_EVERY_MS }),
        () => notifier.drain(),
        {
          runNow: true,
        },
      );
    });
    onClose(async () => {
      loop?.stop();
      // A send under way is crossed off before the store closes, or it would be sent again.
      await notifier.close();
    });
    for (const c of sinkCommands(notifier, sinks, deps.clock)) commands.add(c);
  },
});
