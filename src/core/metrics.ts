/**
 * The bot's own metrics in Prometheus format (prom-client, on a registry of this bot rather than
 * the global one, so tests and several bots in one process stay apart): commands by name and
 * outcome with their latency, backend calls with their latency by outcome (clients report them
 * through `observeBackend`), commands failed by a backend, approvals pending, and what plugins add
 * through `counter` and `gauge`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { UpstreamFailure } from './errors.ts';
import { Redactor } from './redact.ts';

/**
 * How one backend call ended: `ok`, the backend's failure kind (as in UpstreamError), `not_found`
 * and `conflict` for answers that refuse the request, `aborted` when the caller gave up first.
 */
export type BackendOutcome = 'ok' | UpstreamFailure | 'not_found' | 'conflict' | 'aborted';

export type BackendObserver = (backend: string, seconds: number, outcome: BackendOutcome) => void;

export class Metrics {
  readonly registry = new Registry();
  readonly commands: Counter<'command' | 'outcome'>;
  readonly commandSeconds: Histogram<'command'>;
  readonly backendSeconds: Histogram<'backend' | 'outcome'>;
  readonly backendErrors: Counter<'backend' | 'kind'>;
  private readonly redactor: Redactor;

  constructor(opts: { defaults?: boolean; redactor?: Redactor } = {}) {
    this.redactor = opts.redactor ?? new Redactor();
    if (opts.defaults) collectDefaultMetrics({ register: this.registry, prefix: 'deckhand_' });
    this.commands = new Counter({
      name: 'deckhand_commands_total',
      help: 'Commands and button presses handled, by name and outcome',
      labelNames: ['command', 'outcome'],
      registers: [this.registry],
    });
    this.commandSeconds = new Histogram({
      name: 'deckhand_command_duration_seconds',
      help: 'Time to answer a command',
      labelNames: ['command'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.backendSeconds = new Histogram({
      name: 'deckhand_backend_request_duration_seconds',
      help: 'Latency of backend calls (retries included) by backend and outcome (ok or why it failed)',
      labelNames: ['backend', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.backendErrors = new Counter({
      name: 'deckhand_backend_errors_total',
      help: 'Commands that failed because of a backend, by backend and kind (timeout, unreachable, …)',
      labelNames: ['backend', 'kind'],
      registers: [this.registry],
    });
  }

  /** For clients: record one call, whatever its outcome. */
  readonly observeBackend: BackendObserver = (backend, seconds, outcome) => {
    this.backendSeconds.observe({ backend, outcome }, seconds);
  };

  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge read at scrape time. */
  gauge(name: string, help: string, read: () => number | Promise<number>): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** The scrape: label values come from names and outcomes, but a plugin's label may carry text. */
  async text(): Promise<string> {
    return this.redactor.text(await this.registry.metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
