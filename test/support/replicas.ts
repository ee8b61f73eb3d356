/**
 * deckhand as the operators run it: `deckhand start` processes (replicas) on one configuration,
 * each with its own HTTP port, JSON logs read line by line, the console channel's posts on stdout.
 * Tests wait on what a replica said, never on fixed sleeps; a replica that dies on its own fails
 * the wait with its last words.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { eventually } from './wait.ts';

const bin = resolve(import.meta.dirname, '../../bin/deckhand.js');

export interface LogLine {
  time: number;
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface Replica {
  id: string;
  child: ChildProcess;
  /** What the console channel printed (posts, threads). */
  out: string;
  err: string;
  logs: LogLine[];
  exited: Promise<void>;
  /** The HTTP port, once the server listens. */
  port?: number;
  said(msg: string | RegExp): LogLine[];
  alive(): boolean;
}

export class Replicas {
  readonly all: Replica[] = [];
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Start `deckhand start --config <file>` with this configuration (written to the test's dir). */
  start(id: string, config: Record<string, unknown>): Replica {
    const file = join(this.dir, `replica-${id}.yaml`);
    writeFileSync(file, stringify(config));
    return this.spawn(id, ['start', '--config', file]);
  }

  /** Run `deckhand <args>` (a `start`, an `exec --press`, …) and follow what it says. */
  spawn(id: string, args: string[]): Replica {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r: Replica = {
      id,
      child,
      out: '',
      err: '',
      logs: [],
      exited: new Promise((done) => child.once('exit', () => done())),
      said: (msg) => r.logs.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(l.msg))),
      alive: () => child.exitCode === null && child.signalCode === null,
    };
    child.stdout?.on('data', (b: Buffer) => (r.out += b.toString()));
    let partial = '';
    child.stderr?.on('data', (b: Buffer) => {
      r.err += b.toString();
      const lines = (partial + b.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const l = JSON.parse(line) as LogLine;
          r.logs.push(l);
          if (l.msg === 'http server listening') r.port = Number(l.port);
        } catch {
          // not a log line
        }
      }
    });
    this.all.push(r);
    return r;
  }

  /** Wait for a condition; a replica of `watch` that exits fails the wait with what it said. */
  async until(
    what: string,
    ok: () => boolean | Promise<boolean>,
    ms: number,
    watch = this.all,
  ): Promise<void> {
    // A check that throws (a dead replica's port refuses) counts as "not yet": the exit is the news.
    await eventually(what, ok, {
      timeoutMs: ms,
      intervalMs: 25,
      abortIf: () => {
        const dead = watch.find((r) => !r.alive());
        return (
          dead &&
          `replica ${dead.id} exited (${dead.child.exitCode ?? dead.child.signalCode}): ${dead.err.slice(-3000)}`
        );
      },
    });
  }

  /** SIGKILL whatever still runs and wait for every exit. */
  async killAll(): Promise<void> {
    for (const r of this.all) if (r.alive()) r.child.kill('SIGKILL');
    await Promise.all(this.all.map((r) => r.exited));
  }
}
