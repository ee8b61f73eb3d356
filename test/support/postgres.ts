/**
 * A throwaway PostgreSQL server for tests. $DECKHAND_TEST_POSTGRES_URL, when set, names a server to
 * use instead. Otherwise initdb and pg_ctl (from PATH or /usr/lib/postgresql/<version>/bin) start
 * one in a temporary directory on a free port with fsync off; as root (which initdb refuses) they
 * run as the postgres user through runuser. When none can be started, the answer says why, so the
 * tests that need it can be skipped with that reason.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export type TestPostgres =
  | {
      url: string;
      /** A new, empty schema on the server; the url selects it for every connection. */
      freshUrl(): Promise<string>;
      stop(): Promise<void>;
      /**
       * An outage: the server shuts down as an operator's restart does (`pg_ctl stop -m fast`:
       * sessions are told 57P01 and closed, new connections refused) and `up` starts it again on
       * the same port. Undefined for a server named by $DECKHAND_TEST_POSTGRES_URL (not ours to stop).
       */
      outage?: { down(): Promise<void>; up(): Promise<void> };
    }
  | { url?: undefined; skipped: string };

function findBinary(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => join(root, v, 'bin')));
  }
  return dirs.map((d) => join(d, name)).find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function withSchemas(url: string): (schema: string) => string {
  return (schema) => {
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return u.toString();
  };
}

async function schemaMaker(url: string): Promise<() => Promise<string>> {
  const at = withSchemas(url);
  let n = 0;
  return async () => {
    const schema = `t_${process.pid}_${Date.now().toString(36)}_${++n}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA ${schema}`);
    } finally {
      await c.end();
    }
    return at(schema);
  };
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env.DECKHAND_TEST_POSTGRES_URL;
  if (given) return { url: given, freshUrl: await schemaMaker(given), stop: async () => {} };

  const initdb = findBinary('initdb');
  const pgCtl = findBinary('pg_ctl');
  if (!initdb || !pgCtl)
    return { skipped: 'no initdb/pg_ctl found and DECKHAND_TEST_POSTGRES_URL is not set' };

  // initdb refuses to run as root: run the server as the postgres user instead.
  let prefix: string[] = [];
  let owner: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    try {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
      owner = { uid, gid };
    } catch {
      return { skipped: 'running as root and there is no postgres user to run the server as' };
    }
    prefix = ['runuser', '-u', 'postgres', '--'];
  }
  const exec = (file: string, args: string[]) =>
    prefix.length ? run(prefix[0] as string, [...prefix.slice(1), file, ...args]) : run(file, args);

  const dir = mkdtempSync(join(tmpdir(), 'deckhand-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  let started = false;
  try {
    await exec(initdb, [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const startServer = () =>
      exec(pgCtl, [
        '-D',
        data,
        '-l',
        join(dir, 'server.log'),
        '-w',
        '-t',
        '30',
        '-o',
        `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c full_page_writes=off`,
        'start',
      ]);
    await startServer();
    started = true;
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    return {
      url,
      freshUrl: await schemaMaker(url),
      outage: {
        down: async () => void (await exec(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'])),
        up: async () => void (await startServer()),
      },
      stop: async () => {
        try {
          // A test may leave it down after an outage: nothing to stop then.
          await exec(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    if (started) await exec(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    const err = e as Error & { stderr?: string };
    return { skipped: `could not start PostgreSQL: ${(err.stderr || err.message).trim().split('\n')[0]}` };
  }
}
