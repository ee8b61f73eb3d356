/**
 * The CLI as a user runs it: a separate process on Node 24 with the real bin script.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = resolve(import.meta.dirname, '../bin/deckhand.js');

async function deckhand(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, DECKHAND_CONFIG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const made: string[] = [];
const workdir = () => {
  const d = mkdtempSync(join(tmpdir(), 'deckhand-cli-'));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('deckhand CLI', () => {
  it('exec "/help" lists the commands', async () => {
    const r = await deckhand(['exec', '/help'], workdir());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('whoami');
    expect(r.stdout).toContain('help <command> shows the arguments');
  });

  it('exec "/hlep" suggests help and exits 1', async () => {
    const r = await deckhand(['exec', '/hlep'], workdir());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Did you mean help?');
  });

  it('exec --json prints {ok, messages} with structured data', async () => {
    const r = await deckhand(['exec', '--json', '--as', 'alice', 'whoami'], workdir());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { ok: boolean; messages: { data: { actor: { id: string } } }[] };
    expect(out.ok).toBe(true);
    expect(out.messages[0]?.data.actor.id).toBe('console:alice');
  });

  it('config check names the path and line of each error', async () => {
    const dir = workdir();
    writeFileSync(
      join(dir, 'bad.yaml'),
      'server:\n  prot: 80\naccess:\n  bindings:\n    - {roles: [nope], users: [a]}\n' +
        'plugins:\n  delivery:\n    teams:\n      - {name: pay, labels: "team in (payments"}\n',
    );
    const r = await deckhand(['config', 'check', '--config', 'bad.yaml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('server.prot (line 2): unknown key (did you mean port?)');
    expect(r.stderr).toContain("access.bindings.0.roles.0 (line 5): unknown role 'nope'");
    // A label selector is refused when read, not when a digest or a notice first uses it.
    expect(r.stderr).toContain(
      "plugins.delivery.teams.0.labels (line 9): Invalid label selector 'team in (payments'",
    );
    expect(r.stderr).toContain('Examples: team=payments');
  });

  it('config schema prints a JSON Schema with the plugin and core sections', async () => {
    const r = await deckhand(['config', 'schema'], workdir());
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['server', 'access', 'identities', 'plugins', 'adapters']),
    );
  });

  it('unknown CLI commands and flags get usage and exit 2', async () => {
    expect((await deckhand(['frobnicate'], workdir())).code).toBe(2);
    expect((await deckhand(['exec', '--bogus', 'help'], workdir())).code).toBe(2);
  });
});
