/**
 * The stable interfaces as a script uses them: `deckhand sandbox` in one process writing
 * sandbox.json and deckhand.yaml, `deckhand exec --json` and `--press` in others, and a clean
 * exit on SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from '../support/temp.ts';
import { eventually } from '../support/wait.ts';

const bin = resolve(import.meta.dirname, '../../bin/deckhand.js');
const dir = tempDir('deckhand-cli-sandbox-');
let sandbox: ChildProcess;
let printed: () => string = () => '';

/** `deckhand sandbox` in a process of its own, once it has written its bot config. */
async function startSandbox(into: string): Promise<{ child: ChildProcess; printed: () => string }> {
  let out = '';
  const child = spawn(process.execPath, [bin, 'sandbox', '--data-dir', into, '--time-scale', '0.01'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await eventually('the sandbox to print its bot config', () => out.includes('bot config:'), {
    timeoutMs: 30_000,
    intervalMs: 50,
    abortIf: () => child.exitCode !== null && `it exited (${child.exitCode}): ${out}`,
  });
  return { child, printed: () => out };
}

async function exec(...args: string[]): Promise<{ code: number; json: Record<string, any> }> {
  const r = await promisify(execFile)(process.execPath, [
    bin,
    'exec',
    '--config',
    join(dir, 'deckhand.yaml'),
    '--json',
    ...args,
  ]).catch((e: { code: number; stdout: string }) => e);
  return {
    code: 'code' in r && typeof r.code === 'number' ? r.code : 0,
    json: JSON.parse(r.stdout) as Record<string, any>,
  };
}

beforeAll(async () => {
  const started = await startSandbox(dir);
  sandbox = started.child;
  printed = started.printed;
}, 60_000);

afterAll(async () => {
  if (sandbox && sandbox.exitCode === null && sandbox.signalCode === null) {
    const exited = new Promise((r) => sandbox.once('exit', r));
    sandbox.kill('SIGKILL');
    await exited;
  }
});

describe('deckhand sandbox and exec, as separate processes', () => {
  it('writes sandbox.json in the documented form and prints the URLs', () => {
    const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    expect(info.argocd[0]).toMatchObject({
      name: 'default',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      token: expect.any(String),
    });
    expect(info.clusters[0]).toMatchObject({
      name: 'in-cluster',
      url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(info.git.repos[0].url).toBe('https://github.com/sijunkim/infra');
    expect(existsSync(join(info.git.repos[0].path, 'HEAD'))).toBe(true);
    expect(printed()).toContain(info.argocd[0].url);
  });

  it('answers /argo status through exec --json', async () => {
    // What Argo CD itself says, just before and just after: a merge by another test re-syncs
    // every app of the repository, so naver-news (which crash-loops) is Degraded or, for a
    // while, Progressing again — never Healthy.
    const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    const argoHealth = async () => {
      const res = await fetch(`${info.argocd[0].url}/api/v1/applications/naver-news`, {
        headers: { authorization: `Bearer ${info.argocd[0].token}` },
      });
      return ((await res.json()) as { status: { health: { status: string } } }).status.health.status;
    };
    const before = await argoHealth();
    const r = await exec('/argo status naver-news');
    const after = await argoHealth();
    expect(r.code).toBe(0);
    const app = r.json.messages.at(-1).data.app;
    expect(app).toMatchObject({
      name: 'naver-news',
      health: expect.stringMatching(/^(Degraded|Progressing)$/),
    });
    expect([before, after]).toContain(app.health);
  });

  it('proposes as alice, refuses alice approving, merges when bob presses', async () => {
    const proposed = await exec('--as', 'alice', '/gitops scale friend-app 3');
    expect(proposed.code).toBe(0);
    const card = proposed.json.messages.find((m: { data?: { actions?: unknown } }) => m.data?.actions).data;
    const own = await exec('--as', 'alice', '--press', card.actions.approve);
    expect(own.code).toBe(1);
    const bob = await exec('--as', 'bob', '--press', card.actions.approve);
    expect(bob.code).toBe(0);
    expect(JSON.stringify(bob.json.messages)).toMatch(/Merged by bob/);
  });

  it('exec exits 0 after a merge whatever its follow-up does; a --wait that runs out says where it stands', async () => {
    const proposed = await exec('--as', 'alice', '/gitops scale grafana 2');
    const card = proposed.json.messages.find((m: { data?: { actions?: unknown } }) => m.data?.actions).data;
    const bob = await exec('--as', 'bob', '--press', card.actions.approve, '--wait', '0.01');
    expect(bob.code).toBe(0);
    expect(bob.json.pending).toEqual([
      expect.stringMatching(
        /^grafana \(scale to 2 replicas\): .*; followed for \d+m( \d+s)? more, and the result is posted in its thread by the running bot\.$/,
      ),
    ]);
    // The next one-shot exec neither resumes nor trips over the follow-up left in the store.
    const next = await promisify(execFile)(process.execPath, [
      bin,
      'exec',
      '--config',
      join(dir, 'deckhand.yaml'),
      '/version',
    ]);
    expect(next.stderr).toBe('');
    expect(next.stdout).toMatch(/deckhand/);
  }, 60_000);

  it('takes fault knobs at run time through its control API', async () => {
    const info = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    const set = (body: object) =>
      fetch(`${info.control.url}/faults/argocd%2Fdefault`, {
        method: 'POST',
        headers: { authorization: `Bearer ${info.control.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await set({ down: true })).status).toBe(200);
    const down = await exec('/argo diff naver-news');
    expect(down.code).toBe(1);
    expect(JSON.stringify(down.json.messages)).toMatch(/Cannot reach Argo CD \(default\)/);
    expect((await set({ down: false })).status).toBe(200);
    expect((await exec('/argo diff naver-news')).code).toBe(0);
    expect((await set({ latencyMs: -1 })).status).toBe(400);
    const all = await fetch(`${info.control.url}/faults`, {
      headers: { authorization: `Bearer ${info.control.token}` },
    });
    expect(await all.json()).toMatchObject({
      'argocd/default': { down: false, latencyMs: 0 },
      git: { down: false },
    });
    const forged = await fetch(`${info.control.url}/faults`, { headers: { authorization: 'Bearer nope' } });
    expect(forged.status).toBe(401);
  });

  it('exits cleanly on SIGTERM', async () => {
    // A sandbox of its own: the one the other tests use stays up whatever the order.
    const own = await startSandbox(tempDir('deckhand-cli-sigterm-'));
    onTestFinished(() => {
      if (own.child.exitCode === null && own.child.signalCode === null) own.child.kill('SIGKILL');
    });
    const exited = new Promise<number | null>((r) => own.child.once('exit', (code) => r(code)));
    own.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(own.printed()).toContain('sandbox stopped');
  }, 40_000);
});
