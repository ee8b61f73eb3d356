import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from './adapter.ts';
import { runRepl } from './repl.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The REPL over a pipe; answers who typed each line, as the dispatcher would see it. */
async function session(lines: string[], switchUsers: boolean): Promise<{ out: string; users: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-repl-'));
  dirs.push(dir);
  let out = '';
  const output = new Writable({
    write(c, _e, cb) {
      out += c.toString();
      cb();
    },
  });
  const adapter = new ConsoleAdapter({ write: (s) => output.write(s) });
  const users: string[] = [];
  await adapter.start(async (e) => {
    users.push(e.user.id);
    return { ok: true, messages: [] };
  });
  const input = new PassThrough();
  const done = runRepl({
    adapter,
    input,
    output,
    user: { platform: 'console', id: 'console', name: 'console' },
    channel: 'console',
    historyFile: join(dir, 'history'),
    people: ['alice', 'bob'],
    switchUsers,
  });
  for (const l of lines) input.write(l + '\n');
  input.end();
  await done;
  return { out, users };
}

describe('the console chat', () => {
  it('as <person> switches who types, and the prompt says so', async () => {
    const { out, users } = await session(['whoami', 'as bob', 'whoami', '/as carol', 'whoami'], true);
    expect(users).toEqual(['console', 'bob', 'carol']);
    expect(out).toContain('bob@deckhand> ');
    expect(out).toContain('You are now carol (not in the configuration: default roles only).');
  });

  it('refuses to switch unless the configuration allows it', async () => {
    const { out, users } = await session(['as bob', 'whoami'], false);
    expect(users).toEqual(['console']);
    expect(out).toContain('Switching who types is off: set adapters.console.switchUsers: true');
    expect(out).not.toContain('bob@deckhand> ');
  });
});
