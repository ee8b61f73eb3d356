/**
 * The bot's log in memory: a real logger (redaction and all) whose JSON lines are parsed as they
 * are written, for assertions on what was logged.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/core/logging.ts';

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [k: string]: unknown;
}

export interface CapturedLog {
  log: Logger;
  lines: LogLine[];
  /** The lines whose message is `msg` (or matches it). */
  said(msg: string | RegExp): LogLine[];
}

export function captureLog(level = 'debug'): CapturedLog {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  return {
    log: createLogger({ level, stream }),
    lines,
    said: (msg) => lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))),
  };
}
