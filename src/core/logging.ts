/**
 * pino, JSON in production and pretty in a terminal. Every record passes through the redactor:
 * secret-looking keys are masked and any configured secret value is cut out of every string, so a
 * token pasted into an error message does not reach the log.
 */
import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import { Redactor } from './redact.ts';

export type Logger = PinoLogger;

export interface LogOptions {
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  /** Write to this file instead of stderr (the console chat keeps the terminal for itself). */
  file?: string;
  redactor?: Redactor;
  /** For tests: capture records in memory. */
  stream?: DestinationStream;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const redactor = opts.redactor ?? new Redactor();
  const pretty =
    !opts.stream &&
    !opts.file &&
    (opts.format === 'pretty' || (opts.format !== 'json' && process.stderr.isTTY));
  const options = {
    level: opts.level ?? 'info',
    base: { app: 'deckhand' },
    formatters: { log: (obj: Record<string, unknown>) => redactor.object(obj) },
    hooks: {
      // The message string is not part of the object that formatters.log sees.
      logMethod(this: PinoLogger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redactor.text(a) : a)),
        );
      },
    },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
  };
  if (opts.stream) return pino(options, opts.stream);
  // Opened at once, not later: an asynchronous open can land after the directory is gone (a
  // short-lived exec, a demo world removed) and fail as an unhandled error. File logging is the
  // console's and exec's, where a synchronous write costs nothing anyone waits for.
  if (opts.file) return pino(options, pino.destination({ dest: opts.file, mkdir: true, sync: true }));
  if (pretty) {
    return pino({
      ...options,
      transport: {
        target: 'pino-pretty',
        options: { destination: 2, colorize: true, ignore: 'pid,hostname,app' },
      },
    });
  }
  return pino(options, pino.destination(2));
}
