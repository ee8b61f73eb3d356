/**
 * Notifications beyond chat: each event is matched to the routes, rendered once per sink through
 * the one redaction step, and kept in the store (an outbox) until its sink takes it. A send that
 * fails is tried again later, each wait twice the last up to a ceiling; one that fails for good,
 * or too often, goes to the dead letters, which `sinks` shows. The outbox survives a restart, and
 * a delivery is claimed before it is sent, so two replicas do not both send it; delivery is at
 * least once (see sendOne).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { InputError, NotFoundError } from '../../core/errors.ts';
import { anyGlob, globMatch } from '../../core/glob.ts';
import { matchesSelector, parseSelector, type Requirement } from '../../core/labels.ts';
import type { Logger } from '../../core/logging.ts';
import type { Redactor } from '../../core/redact.ts';
import type { Collection, Store } from '../../core/store/types.ts';
import type { NotifyConfig } from './config.ts';
import { PartlySent, RateLimited, SendError, type Delivery, type Notification, type Sink } from './sink.ts';

export interface Outgoing extends Delivery {
  /**
   * The body is kept in base64: it was redacted before it was rendered, and the store's own pass
   * over strings would read JSON's `"token":"[redacted]"` or `\"` as text to mask and break it.
   */
  encoding?: 'base64';
  createdAt: number;
  attempts: number;
  nextAt: number;
  lastError?: string;
  /** Claimed by a sender until then (a sender that died lets it go). */
  sendingUntil?: number;
  /** Which sender holds the claim: only it records what came of the send. */
  sender?: string;
}

/** An app's labels and project in Argo CD (undefined when there is no such app). */
export type AppLookup = (
  app: string,
  instance?: string,
) => Promise<{ labels: Record<string, string>; project: string } | undefined>;

/** A delivery id made from a name, shaped as a UUID (version 8: its bits are the caller's). */
function onceId(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const encode = (body: string): string => Buffer.from(body, 'utf8').toString('base64');
/** A stored body as the sink renders it (one queued before bodies were encoded is as it was). */
const decode = (d: Outgoing): string =>
  d.encoding === 'base64' ? Buffer.from(d.body, 'base64').toString('utf8') : d.body;

export interface DeadLetter extends Outgoing {
  failedAt: number;
}

/**
 * A dead letter keeps its body to be sent again (`sinks retry`) up to this size as stored (base64);
 * a larger one is kept as a record only. A mail's body holds its charts (tens of kilobytes each).
 */
const KEEP_BODY_BYTES = 1024 * 1024;

export class Notifier {
  private readonly sinks: Map<string, Sink>;
  private readonly cfg: NotifyConfig;
  private readonly outbox: Collection<Outgoing>;
  private readonly dead: Collection<DeadLetter>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly redactor: Redactor;
  private draining?: Promise<{ sent: number; retried: number; dead: number }>;
  /** How long a claimed delivery is one sender's: longer than the slowest sink may take to answer. */
  private readonly claimMs: number;
  /** How long retries of one delivery last, by the configuration (about an hour by default). */
  private readonly retryWindowMs: number;
  /**
   * What queuing starts: nothing (the caller drains, as tests do), the process's own sends (a
   * one-shot `deckhand exec`), or a drain of everything due (a serving bot).
   */
  private sends: 'none' | 'own' | 'all' = 'none';
  /** Stopping: nothing new is started. */
  private closing = false;
  /** A drain asked for while one ran: it runs again, as the running one listed the outbox before. */
  private again = false;
  /** A one-shot process's own sends under way. */
  private readonly inflight = new Set<Promise<unknown>>();
  /** Reads an app's labels and project in Argo CD; without it, routes by label match nothing. */
  private readonly appOf?: AppLookup;
  private readonly selectors = new Map<string, Requirement[]>();
  private queued = 0;

  constructor(deps: {
    sinks: Sink[];
    config: NotifyConfig;
    store: Store;
    clock: Clock;
    log: Logger;
    redactor: Redactor;
    appOf?: AppLookup;
  }) {
    this.appOf = deps.appOf;
    this.sinks = new Map(deps.sinks.map((s) => [s.name, s]));
    this.cfg = deps.config;
    this.outbox = deps.store.collection<Outgoing>('notify-outbox');
    this.dead = deps.store.collection<DeadLetter>('notify-dead');
    this.clock = deps.clock;
    this.log = deps.log;
    this.redactor = deps.redactor;
    this.claimMs = Math.max(120_000, ...deps.sinks.map((x) => 2 * x.maxSendMs + 30_000));
    const { attempts, firstDelaySeconds, maxDelaySeconds } = deps.config.retry;
    this.retryWindowMs = Array.from({ length: attempts }, (_, i) =>
      Math.min(maxDelaySeconds, firstDelaySeconds * 2 ** i),
    ).reduce((a, b) => a + b * 1000, 0);
  }

  /**
   * Serving: each notification queued starts a drain of everything due. A one-shot process
   * (`deckhand exec`) sends only what it queued itself, and waits for those sends when it stops
   * (close), so it does not exit between sending and crossing off; what it cannot send waits in
   * the outbox for a serving bot.
   */
  serve(): void {
    this.sends = 'all';
  }

  /** A process that may not serve: it sends what it queues itself (see serve). */
  sendOwn(): void {
    if (this.sends === 'none') this.sends = 'own';
  }

  /** Every send this process started, finished (recorded or not). */
  async idle(): Promise<void> {
    const under = [...this.inflight, ...(this.draining ? [this.draining] : [])];
    await Promise.all(under.map((p) => p.catch(() => undefined)));
  }

  /** Stop starting sends, and wait for those under way to be crossed off before the store closes. */
  async close(): Promise<void> {
    this.closing = true;
    await this.idle();
    for (const s of this.sinks.values()) await s.close?.().catch(() => undefined);
  }

  /**
   * The sinks the routes send this notification to, each with the recipients its route names.
   * What a route asks for and the notification does not say (an app, a label) does not match:
   * missing data is not a match.
   */
  sinksFor(n: Notification): { sink: Sink; to?: string[] }[] {
    const chosen = new Map<string, { sink: Sink; to?: string[] }>();
    for (const r of this.cfg.routes.filter(
      (r) =>
        r.events.some((e) => globMatch(e, n.event)) &&
        (!r.apps || (n.app !== undefined && anyGlob(r.apps, n.app))) &&
        (!r.projects || (n.project !== undefined && anyGlob(r.projects, n.project))) &&
        (!r.severities || (n.severity !== undefined && r.severities.includes(n.severity))) &&
        (r.labels === undefined ||
          (n.labels !== undefined && matchesSelector(this.selector(r.labels), n.labels))),
    )) {
      const sink = this.sinks.get(r.sink);
      if (!sink) continue;
      // Two routes to one sink: one delivery, to every recipient either names (a route that names
      // none stands for the sink's own).
      const had = chosen.get(r.sink);
      const mine = r.to ?? sink.recipients;
      const to = had ? [...new Set([...(had.to ?? sink.recipients ?? []), ...(mine ?? [])])] : r.to;
      chosen.set(r.sink, { sink, ...(to ? { to } : {}) });
    }
    return [...chosen.values()];
  }

  /**
   * Queue a notification for every sink its routes name, and start sending. Returns how many
   * deliveries were queued. Never throws for a sink: a producer's own work goes on.
   */
  async notify(n: Notification, opts: { strict?: boolean } = {}): Promise<number> {
    return (await this.queue(await this.withApp(n, opts.strict))).length;
  }

  /**
   * The app's labels and project, read from Argo CD only when a route selects by them and the
   * producer did not say (a follow-up knows its app, not its labels).
   */
  /**
   * The app's labels and project, when a route needs them. An app that cannot be read matches no
   * route by label or project; `strict`, a read that failed (not an app gone or ambiguous) rejects
   * instead, for a caller that tells it again later.
   */
  private async withApp(n: Notification, strict = false): Promise<Notification> {
    const needs =
      (!n.labels && this.cfg.routes.some((r) => r.labels !== undefined)) ||
      (!n.project && this.cfg.routes.some((r) => r.projects !== undefined));
    if (!needs || !n.app || !this.appOf) return n;
    const app = await this.appOf(n.app, n.instance).catch((err: unknown) => {
      // Gone, or a name that is ambiguous: no later telling reads it better.
      if (strict && !(err instanceof NotFoundError || err instanceof InputError)) throw err;
      this.log.warn(
        { app: n.app, event: n.event, err: (err as Error).message },
        'notify: the app could not be read from Argo CD; routes by label or project do not match it',
      );
      return undefined;
    });
    if (!app) return n;
    return { ...n, labels: n.labels ?? app.labels, project: n.project ?? app.project };
  }

  private selector(s: string): Requirement[] {
    let reqs = this.selectors.get(s);
    if (!reqs) this.selectors.set(s, (reqs = parseSelector(s)));
    return reqs;
  }

  /**
   * Queue and send at once, for someone waiting on the answer (`digest send`): what was
   * sent, and what waits for a retry or failed for good, by sink, with why.
   */
  async sendNow(n: Notification): Promise<{ sent: string[]; waiting: string[]; failed: string[] }> {
    const keys = await this.queue(await this.withApp(n), false);
    // Only these: a chat command waits on its own sends, not on every retry that is due.
    await Promise.all(keys.map(({ key }) => this.sendOne(key)));
    const out = { sent: [] as string[], waiting: [] as string[], failed: [] as string[] };
    for (const { key, sink } of keys) {
      const waiting = await this.outbox.get(key);
      const dead = waiting ? undefined : await this.dead.get(key);
      if (waiting) out.waiting.push(`${sink} (${waiting.lastError ?? 'not tried yet'})`);
      else if (dead) out.failed.push(`${sink} (${dead.lastError ?? 'failed'})`);
      else out.sent.push(sink);
    }
    return out;
  }

  private async queue(n: Notification, kick = true): Promise<{ key: string; sink: string }[]> {
    const now = this.clock.now();
    const keys: { key: string; sink: string }[] = [];
    for (const { sink, to } of this.sinksFor(n)) {
      const id = n.once ? onceId(`${n.once}/${sink.name}`) : randomUUID();
      // What leaves through a sink passes the same redaction as chat, once, here.
      const clean = this.redactor.object(n);
      const body = sink.render(clean, id, now, to ? { to } : {});
      // Sent in the order queued: by time, then by this process's count within one millisecond.
      const key = `${String(now).padStart(15, '0')}/${String(++this.queued).padStart(9, '0')}/${id}`;
      await this.outbox.put(key, {
        id,
        sink: sink.name,
        event: n.event,
        subject: clean.subject,
        body: encode(body),
        encoding: 'base64',
        createdAt: now,
        attempts: 0,
        nextAt: now,
      });
      keys.push({ key, sink: sink.name });
    }
    if (kick) this.kick(keys.map(({ key }) => key));
    return keys;
  }

  /** Start sending what was just queued: everything due when serving, else these only. */
  private kick(keys: string[]): void {
    if (!keys.length || this.closing || this.sends === 'none') return;
    const sending = this.sends === 'all' ? this.drain() : Promise.all(keys.map((key) => this.sendOne(key)));
    const watched = sending.catch((err: unknown) =>
      this.log.warn({ err: (err as Error).message }, 'notify: sending failed'),
    );
    this.inflight.add(watched);
    void watched.finally(() => this.inflight.delete(watched));
  }

  /**
   * Put a sink's dead letters (or one, by delivery id) back in the outbox, to be sent again under
   * the same delivery id as if new: after the receiver or the mail server was mended. What kept no
   * body cannot be sent again and stays a dead letter. Two people asking at once requeue each once.
   */
  async retryDead(
    sink: string,
    id?: string,
  ): Promise<{ requeued: DeadLetter[]; bodiless: DeadLetter[]; unknownId: boolean }> {
    const now = this.clock.now();
    const all = (await this.dead.list()).filter(
      ({ value }) => value.sink === sink && (id === undefined || value.id === id),
    );
    const requeued: DeadLetter[] = [];
    const bodiless: DeadLetter[] = [];
    const keys: string[] = [];
    for (const { key, value } of all) {
      if (!value.body) {
        bodiless.push(value);
        continue;
      }
      const { failedAt: _, lastError: __, ...rest } = value;
      // Queued afresh: a replica that lacks the sink leaves it alone for a retry window again.
      const back: Outgoing = {
        ...rest,
        createdAt: now,
        attempts: 0,
        nextAt: now,
        sendingUntil: undefined,
        sender: undefined,
      };
      // Taken from the dead letters in one step: of two people asking at once, one requeues it,
      // and it is not requeued again once sent. A process that dies before the next write loses
      // it (it had failed for good already); sending it twice would be worse.
      let taken = false;
      await this.dead.update(key, (x) => ((taken = x !== undefined), undefined));
      if (!taken) continue;
      await this.outbox.put(key, back);
      requeued.push(value);
      keys.push(key);
    }
    if (requeued.length)
      this.log.info({ sink, deliveries: requeued.map((d) => d.id) }, 'notify: dead letters queued again');
    this.kick(keys);
    return { requeued, bodiless, unknownId: id !== undefined && !all.length };
  }

  /** Send every delivery that is due (one drain at a time in this process). */
  drain(): Promise<{ sent: number; retried: number; dead: number }> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      const total = { sent: 0, retried: 0, dead: 0 };
      do {
        this.again = false;
        const r = await this.drainOnce();
        total.sent += r.sent;
        total.retried += r.retried;
        total.dead += r.dead;
      } while (this.again && !this.closing);
      return total;
    })().finally(() => (this.draining = undefined));
    return this.draining;
  }

  private async drainOnce(): Promise<{ sent: number; retried: number; dead: number }> {
    const out = { sent: 0, retried: 0, dead: 0 };
    const now = this.clock.now();
    // Only what is due and not another sender's is touched: no write for the rest.
    const due = (await this.outbox.list()).filter(
      ({ value: d }) => d.nextAt <= now && (d.sendingUntil ?? 0) <= now && this.mayTake(d, now),
    );
    // Sinks in parallel, each sink's deliveries in order: one slow sink holds up no other.
    const bySink = new Map<string, string[]>();
    for (const { key, value } of due) bySink.set(value.sink, [...(bySink.get(value.sink) ?? []), key]);
    await Promise.all(
      [...bySink.values()].map(async (keys) => {
        for (const key of keys) {
          const r = await this.sendOne(key);
          if (r) out[r]++;
        }
      }),
    );
    return out;
  }

  /**
   * A delivery for a sink this process does not know is another replica's while a configuration
   * rolls out (a sink added, or renamed): it is left alone for as long as its retries would last,
   * and only then a dead letter, for a sink that is gone for good.
   */
  private mayTake(d: Outgoing, now: number): boolean {
    return this.sinks.has(d.sink) || now - d.createdAt > this.retryWindowMs;
  }

  /**
   * Claim one delivery, send it, and record what came of it. Delivery is at least once: a sender
   * that dies after sending, or a store that fails before the delivery is crossed off, sends it
   * again later under the same id (X-Deckhand-Delivery, Message-ID), which receivers de-duplicate.
   */
  private async sendOne(key: string): Promise<'sent' | 'retried' | 'dead' | undefined> {
    const now = this.clock.now();
    const owner = randomUUID();
    let mine: Outgoing | undefined;
    await this.outbox.update(key, (d) => {
      if (!d || d.nextAt > now || (d.sendingUntil ?? 0) > now || !this.mayTake(d, now)) return d;
      mine = { ...d, sendingUntil: now + this.claimMs, sender: owner };
      return mine;
    });
    if (!mine) return undefined;
    const d: Outgoing = mine;
    const sink = this.sinks.get(d.sink);
    let failure: SendError | undefined;
    try {
      if (!sink) throw new SendError(`no sink named ${d.sink} is configured any more`, true);
      await sink.send({ ...d, body: decode(d) });
    } catch (err) {
      failure = err instanceof SendError ? err : new SendError((err as Error).message, false);
    }
    // The bookkeeping, apart from the send: a store that fails here is logged, and the claim
    // runs out, so the delivery is looked at again.
    try {
      return await this.record(key, d, owner, failure);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, delivery: d.id }, 'notify: could not record a delivery');
      return undefined;
    }
  }

  private async record(
    key: string,
    d: Outgoing,
    owner: string,
    failure: SendError | undefined,
  ): Promise<'sent' | 'retried' | 'dead' | undefined> {
    const now = this.clock.now();
    // Only while the claim is still this sender's: one that ran out belongs to whoever took it.
    const stillMine = (c: Outgoing | undefined) => c?.sender === owner;
    if (!failure) {
      let done = false;
      await this.outbox.update(key, (c) => (stillMine(c) ? ((done = true), undefined) : c));
      return done ? 'sent' : undefined;
    }
    // A limit says when to come back: a wait, not a failed attempt.
    if (failure instanceof RateLimited) {
      await this.outbox.update(key, (c) =>
        stillMine(c)
          ? {
              ...(c as Outgoing),
              nextAt: failure.retryAt,
              sendingUntil: undefined,
              lastError: failure.message,
            }
          : c,
      );
      return 'retried';
    }
    const attempts = d.attempts + 1;
    // Sent to some already: only the rest is tried again (or recorded as refused).
    const rest =
      failure instanceof PartlySent ? { body: encode(failure.rest), encoding: 'base64' as const } : {};
    const failed: Outgoing = { ...d, ...rest, attempts, lastError: failure.message, sendingUntil: undefined };
    if (failure.permanent || attempts >= this.cfg.retry.attempts) {
      let mineToKill = false;
      await this.outbox.update(key, (c) => (stillMine(c) ? ((mineToKill = true), undefined) : c));
      if (!mineToKill) return undefined;
      await this.refused(key, failed, failure, now);
      await this.dead.put(key, this.letter(failed, failed.body, failure.message, now), {
        ttlMs: this.cfg.deadLetterDays * 86_400_000,
      });
      this.log.warn(
        { sink: d.sink, event: d.event, delivery: d.id, attempts, err: failure.message },
        'notify: a delivery failed for good; `sinks` lists it',
      );
      return 'dead';
    }
    await this.refused(key, failed, failure, now);
    const wait = Math.min(
      this.cfg.retry.maxDelaySeconds * 1000,
      this.cfg.retry.firstDelaySeconds * 1000 * 2 ** (attempts - 1),
    );
    await this.outbox.update(key, (c) => (stillMine(c) ? { ...failed, nextAt: now + wait } : c));
    this.log.info(
      { sink: d.sink, delivery: d.id, attempts, retryInMs: wait, err: failure.message },
      'notify: will try again',
    );
    return 'retried';
  }

  /** A dead letter, kept with its body to be sent again by hand unless it is unusually large. */
  private letter(d: Outgoing, body: string, lastError: string, now: number): DeadLetter {
    return { ...d, body: body.length <= KEEP_BODY_BYTES ? body : '', lastError, failedAt: now };
  }

  /**
   * Recipients refused for good while the rest waits for a retry, or failed too: a dead letter
   * of their own, now, with the mail narrowed to them. Each attempt's under its own key, so a
   * second refusal does not replace the first.
   */
  private async refused(key: string, failed: Outgoing, failure: SendError, now: number): Promise<void> {
    if (!(failure instanceof PartlySent) || !failure.refusedForGood) return;
    const body = failure.refusedBody ? encode(failure.refusedBody) : '';
    await this.dead.put(
      `${key}/refused/${failed.attempts}`,
      this.letter({ ...failed, encoding: 'base64' }, body, failure.refusedForGood, now),
      { ttlMs: this.cfg.deadLetterDays * 86_400_000 },
    );
    this.log.warn(
      { sink: failed.sink, event: failed.event, delivery: failed.id, err: failure.refusedForGood },
      'notify: recipients refused for good; `sinks` lists them',
    );
  }

  /** Each sink with what waits for it and what failed for good. */
  async status(): Promise<{ sink: Sink; waiting: number; dead: DeadLetter[]; lastError?: string }[]> {
    const waiting = await this.outbox.list();
    const dead = (await this.dead.list()).map((d) => d.value).sort((a, b) => b.failedAt - a.failedAt);
    return [...this.sinks.values()].map((sink) => {
      const mine = waiting.filter((w) => w.value.sink === sink.name);
      return {
        sink,
        waiting: mine.length,
        dead: dead.filter((d) => d.sink === sink.name),
        ...(mine.find((w) => w.value.lastError)
          ? { lastError: mine.find((w) => w.value.lastError)?.value.lastError }
          : {}),
      };
    });
  }
}
