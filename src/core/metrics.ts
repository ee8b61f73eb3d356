/**
 * The bot's own metrics in Prometheus format (prom-client, on a registry of this bot rather than
 * the global one, so tests and several bots in one process stay apart): commands by name and
 * outcome with their latency, backend calls with latency and errors, approvals pending, and what
 * plugins add (remediations by rule and outcome, incidents open).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type BackendObserver = (backend: string, seconds: number, outcome: 'ok' | 'error') => void;

export class Metrics {
  readonly registry = new Registry();
  readonly commands: Counter<'command' | 'outcome'>;
  readonly commandSeconds: Histogram<'command'>;
  readonly backendSeconds: Histogram<'backend' | 'outcome'>;
  readonly backendErrors: Counter<'backend' | 'kind'>;

  constructor(opts: { defaults?: boolean } = {}) {
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
      help: 'Latency of calls to Argo CD, Kubernetes, Git hosts and chat platforms',
      labelNames: ['backend', 'outcome'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.backendErrors = new Counter({
      name: 'deckhand_backend_errors_total',
      help: 'Failed backend calls by backend and kind (timeout, unreachable, unauthorized, …)',
      labelNames: ['backend', 'kind'],
      registers: [this.registry],
    });
  }

  /** For clients: record one call. */
  readonly observeBackend: BackendObserver = (backend, seconds, outcome) => {
    this.backendSeconds.observe({ backend, outcome }, seconds);
  };

  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
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

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
