/**
 * Issue 18's acceptance: `npm start`'s console, driven over a pipe with exactly the lines its
 * banner prints — typed lines into the chat, the `curl` line through a shell — tells the whole
 * story: alice's pull request, refused for alice, approved by bob, merged, its rollout in the
 * card's thread; an incident thread from the curl and the automatic remediation it triggers; a
 * digest; the audit trail of all of it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Started } from '../../src/start.ts';
import { eventually } from '../support/wait.ts';
import { tempDir } from '../support/temp.ts';

const sh = promisify(execFile);
const dir = tempDir('deckhand-demo-');
let demo: Started;
let input = new PassThrough();
let printed = '';
const output = new Writable({
  write(chunk, _enc, cb) {
    printed += chunk.toString();
    cb();
  },
});

const until = (what: string, ok: () => boolean, timeoutMs = 20_000) =>
  eventually(what, ok, { timeoutMs }).catch((e: Error) => {
    throw new Error(`${e.message}; the console printed:\n${printed}`);
  });

const prompts = () => printed.split('@deckhand> ').length;

/** Type a line as the person would, and wait for the next prompt and for the bot to settle. */
async function type(line: string): Promise<string> {
  const from = printed.length;
  const before = prompts();
  input.write(line + '\n');
  await until(`the prompt after "${line}"`, () => prompts() > before);
  await demo.bot.tasks.idle(20_000);
  return printed.slice(from);
}

interface Step {
  kind: 'type' | 'shell';
  line: string;
}

/** The banner's steps: `› line   (a comment)` is typed, `$ line` runs in a shell. */
function steps(banner: string): Step[] {
  const out: Step[] = [];
  for (const raw of banner.split('\n')) {
    const typed = /› (.+?)(?:\s{2,}\(.*\))?$/.exec(raw);
    const shell = /\$ (.+)$/.exec(raw);
    if (typed) out.push({ kind: 'type', line: typed[1]!.trim() });
    else if (shell) out.push({ kind: 'shell', line: shell[1]!.trim() });
  }
  return out;
}

/** `npm start` in the test's world directory, its console on the pipe, the world time-scaled. */
const startDemo = () =>
  start({
    dataDir: join(dir, 'world'),
    port: 0,
    input,
    output,
    console: true,
    world: { timeScale: 0.001, syncDelayMs: 5 },
  });

beforeAll(async () => {
  demo = await startDemo();
}, 60_000);

afterAll(async () => {
  input.end();
  await demo?.chat;
  await demo?.stop();
});

const REPO = 'https://github.com/sijunkim/infra';

/** A file on the world's master branch: what Git says now. */
async function onMaster(path: string): Promise<string> {
  const repo = demo.world!.sandbox.repos.get(REPO)!;
  const head = (await repo.git.resolve('master')) as string;
  const blob = (await repo.git.tree(head)).get(path)!;
  return (await repo.git.blob(blob.sha))!.toString('utf8');
}

describe('npm start tells its own story', () => {
  it('every line of the banner works exactly as printed', async () => {
    const all = steps(demo.banner);
    expect(all.map((s) => s.line)).toEqual([
      'as alice',
      'gitops scale flash-web-dev 3 --reason "more traffic"',
      'gitops approve 1',
      'as bob',
      'gitops approve 1',
      expect.stringMatching(
        /^curl -sS -H 'Authorization: Bearer demo-alertmanager-\w+' .* --data @\S+alert-naver-news\.json http:\/\/127\.0\.0\.1:\d+\/hooks\/incidents\/alertmanager$/,
      ),
      'digest',
      'as console',
      'audit --since 1h',
    ]);
    const [asAlice, propose, refuse, asBob, approve, curl, digest, asConsole, audit] = all;

    // alice proposes: pull request #1, asked by her.
    expect(await type(asAlice!.line)).toContain('You are now alice');
    const card = await type(propose!.line);
    expect(card).toMatch(/flash-web-dev: scale to 3 replicas/);
    expect(card).toMatch(/Pull request: #1 /);
    expect(card).toMatch(/Requested by: alice/);
    // …and may not approve it.
    expect(await type(refuse!.line)).toMatch(/You \(alice\) need the permission gitops\.approve/);

    // bob approves: merged, and the rollout is reported in the card's thread.
    expect(await type(asBob!.line)).toContain('You are now bob');
    const approved = await type(approve!.line);
    expect(approved).toMatch(/Merged by bob at [0-9a-f]{7}/);
    const cardId = /↻ \(updated (m-[0-9a-f]+)\)/.exec(approved)?.[1];
    expect(cardId).toBeDefined();
    await until('the rollout in the thread', () =>
      new RegExp(`↳ \\(thread ${cardId}\\) .*flash-web-dev synced to [0-9a-f]{7}, Healthy`).test(printed),
    );
    expect(await onMaster('flash-tickets/overlays/dev/flash-web/kustomization.yaml')).toMatch(/count: 3/);

    // The curl, through a shell: an incident thread with the cause, and the rule's own fix, live.
    const { stdout } = await sh('sh', ['-c', curl!.line]);
    expect(JSON.parse(stdout)).toMatchObject({ accepted: true });
    await until('the incident, its diagnosis and the automatic remediation', () =>
      /naver-news synced to [0-9a-f]{7}, Healthy .*set memory limit 768Mi/.test(printed),
    );
    const incident = printed.slice(printed.indexOf('KubePodOOMKilled — naver-news'));
    const thread = /↳ \(thread (m-[0-9a-f]+)\) ✖ 🔥 KubePodOOMKilled — naver-news/.exec(printed)?.[1];
    expect(thread).toBeDefined();
    expect(incident).toMatch(
      new RegExp(`thread ${thread}\\) \\S+ Diagnosis: naver-news\\s+Root cause: OOMKilled`),
    );
    expect(incident).toMatch(
      new RegExp(
        `thread ${thread}\\) ℹ 🤖 Rule oom-raise-memory .* from 512Mi to 768Mi: merged #2 automatically`,
      ),
    );
    expect(await onMaster('k8s/apps/naver-news/deployment.yaml')).toMatch(/limits:\n\s+memory: 768Mi/);

    // A digest, and the trail of all of it for the admin.
    expect(await type(digest!.line)).toMatch(/Digest — daily\n+\d+ apps/);
    expect(await type(asConsole!.line)).toContain('You are now console');
    const trail = await type(audit!.line);
    for (const entry of [
      /bob \(console\)\s+merge/,
      /alice \(console\)\s+command gitops scale/,
      /alertmanager \(webhook\)\s+webhook \/alertmanager\s+naver-news|alertmanager \(webhook\)\s+webhook \/alertmanager/,
      /alertmanager \(webhook\)\s+incident opened KubePodOOMKilled\s+naver-news/,
      /remediation/,
    ])
      expect(trail).toMatch(entry);

    // The console shows text: no markup left over anywhere in the story.
    expect(printed).not.toMatch(/\*\*/);
  }, 120_000);
});

describe('one world per data directory', () => {
  const deckhand = (...args: string[]) =>
    sh(process.execPath, [join(process.cwd(), 'bin', 'deckhand.js'), ...args], { cwd: dir }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
  const files = () =>
    ['deckhand.yaml', 'sandbox.json', 'alert-naver-news.json'].map((f) =>
      readFileSync(join(dir, 'world', f), 'utf8'),
    );

  it('a second start against the same directory refuses at once, names the process, and touches nothing', async () => {
    const before = files();
    const r = await deckhand('start', '--data-dir', 'world', '--port', '0');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`world is in use by process ${process.pid} (the sandbox world "demo"`);
    expect(r.stderr).toMatch(/npm start -- --data-dir \S+ --port 8081/);
    expect(files()).toEqual(before);
    expect((await type('argo list --limit 1')).length).toBeGreaterThan(0);
  });

  it('a second start on a port in use refuses before it creates anything', async () => {
    const r = await deckhand('start', '--data-dir', 'second', '--port', String(demo.bot.port));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Port ${demo.bot.port} is in use`);
    expect(existsSync(join(dir, 'second'))).toBe(false);
  });

  it('a new world in the directory starts with a fresh bot store', async () => {
    input.end();
    await demo.chat;
    await demo.stop();
    expect(existsSync(join(dir, 'world', 'deckhand.lock'))).toBe(false);
    input = new PassThrough();
    printed = '';
    demo = await startDemo();
    await until('the prompt', () => prompts() > 1);
    expect(await type('gitops prs --all')).toContain('deckhand has opened no pull requests yet.');
  });
});
