/**
 * Issue 18, item 7: every command example in README.md and docs/*.md runs against the demo world
 * and succeeds. An example that cannot run there is marked in the doc, where it stands, with why.
 *
 * What is an example (each doc is read line by line):
 * - Shell: in a fenced block labelled sh, bash, shell or console, each command (a `\` at the end of
 *   a line or an unclosed quote continues it; `# …` comments and a leading `$ ` are dropped) whose
 *   first word is npx, deckhand, npm, curl or kubectl. Other commands (git, argocd, yq, …) are not
 *   examples.
 * - Chat in a block: in a fenced block without a language, each line (`# …` comments dropped) whose
 *   first word, after an optional `/`, is a command word: the first word of a registered command
 *   (argo, gitops, audit, …) or `deckhand`, the umbrella command of Slack and Discord.
 *   docs/commands.md's examples (each command's `examples`, generated) are such blocks.
 * - Chat inline: a code span `/word …` whose word is a command word.
 * A chat line that is only the name of a command that needs arguments (`/argo status`) or that is a
 * command's synopsis with arguments (`argo status <app> [--refresh]`, `/diagnose <app>`) names the
 * command in prose: it is not an example. (Without arguments, a synopsis is a command line and runs.)
 *
 * How an example runs, one after another in document order (README.md, then docs/*.md by name), so
 * what one changes (a proposal, a sync, a mute) the next ones see:
 * - Chat: through one bot built from the demo sandbox's own deckhand.yaml, exactly as
 *   `deckhand exec` sends a line, as the identity `console` (admin). It succeeds when it is ok.
 * - Shell: through `sh -c` in a scratch working directory where `.deckhand/sandbox` is the demo
 *   world's data directory and `deckhand.yaml` its bot configuration. `deckhand` and `npx deckhand`
 *   run this checkout's bin/deckhand.js; kubectl, jq and curl are the machine's (when one is
 *   missing the example is skipped, except on CI, where it fails); an npm line fails (npm scripts
 *   belong to a checkout, not a scratch directory), so it must be marked. It succeeds when it
 *   exits 0. A command ending in `&` is a server: the block's next commands run once it has printed
 *   something, and after the block's last one it gets SIGTERM and must exit 0.
 *
 * Marking an example that cannot run in the demo world: `<!-- not run by the docs test: why -->`
 * alone on a line marks what the next line holds (every example of the fenced block it opens, or
 * every chat span on it); the same comment inside a line marks the next code span on that line,
 * which must be a chat example. Marked examples are not run (a test checks each says why), and a
 * marker that marks none fails.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argInfos } from '../../src/core/commands/arg-spec.ts';
import { usageLine } from '../../src/core/commands/help.ts';
import { registeredCommands } from '../../src/docs/generate.ts';
import { startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/deckhand.js');
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];

// ---------------------------------------------------------------------------------------------
// Extraction

interface Example {
  file: string;
  line: number;
  kind: 'chat' | 'shell';
  text: string;
  /** Where it stands: a fenced block (file:line of the fence) or a prose line. */
  unit: string;
  /** The reason of the marker that marks it. */
  skip?: string;
}

const commands = await registeredCommands();
const commandWords = new Set([...commands.map((c) => c.name.split(' ')[0]!), 'deckhand']);
const needsArguments = new Set(
  commands.filter((c) => argInfos(c).some((a) => a.required)).map((c) => c.name),
);
const synopses = new Set(
  commands.map((c) => usageLine(c)).filter((u) => !commands.some((c) => c.name === u)),
);
const shellWords = new Set(['npx', 'deckhand', 'npm', 'curl', 'kubectl']);
const shellLangs = new Set(['sh', 'bash', 'shell', 'console']);

const markerRe = /<!--\s*not run by the docs test:\s*((?:(?!-->).)*?)\s*-->/;
const wholeLineMarker = new RegExp(`^\\s*${markerRe.source}\\s*$`);

/** The command line a chat example stands for, as the dispatcher reads it (no `/`, no `deckhand`). */
const chatCommand = (s: string) =>
  s
    .trim()
    .replace(/^\//, '')
    .replace(/^deckhand(\s+|$)/, '')
    .trim();

/** Whether a chat line or span is an example (and not a command named in prose). */
function isChatExample(s: string, inline: boolean): boolean {
  const t = s.trim();
  if (inline && !t.startsWith('/')) return false;
  const first = t.replace(/^\//, '').split(/\s+/)[0] ?? '';
  if (!commandWords.has(first)) return false;
  const cmd = chatCommand(t);
  return !needsArguments.has(cmd) && !synopses.has(cmd);
}

/** The commands of a shell block: continued lines joined, comments and prompts dropped. */
function shellCommands(body: { text: string; n: number }[]): { text: string; n: number }[] {
  const out: { text: string; n: number }[] = [];
  let cur = '';
  let start = 0;
  let quote = '';
  for (const raw of body) {
    if (!cur) start = raw.n;
    // A continued line joins the command with one space; inside a quote, as it is.
    const text = cur && !quote ? raw.text.trimStart() : raw.text;
    let kept = '';
    let continued = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        kept += c;
        if (c === '\\' && quote === '"') kept += text[++i] ?? '';
        else if (c === quote) quote = '';
      } else if (c === '\\' && i === text.length - 1) continued = true;
      else if (c === '\\') kept += c + (text[++i] ?? '');
      else if (c === '"' || c === "'") {
        quote = c;
        kept += c;
      } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) break;
      else kept += c;
    }
    cur += continued ? kept.trimEnd() + ' ' : kept + (quote ? '\n' : '');
    if (continued || quote) continue;
    const command = cur.trim().replace(/^\$\s+/, '');
    if (command) out.push({ text: command, n: start });
    cur = '';
  }
  return out;
}

function extract(file: string, text: string): { examples: Example[]; unused: string[] } {
  const lines = text.split('\n');
  const examples: Example[] = [];
  const unused: string[] = [];
  /** A marker alone on its line, waiting for the next non-blank line. */
  let pending: { reason: string; line: number } | undefined;
  const take = (found: Example[], reason: string | undefined, where: string) => {
    if (reason !== undefined && found.length === 0) unused.push(`${where}: "${reason}" marks no example`);
    for (const e of found) examples.push({ ...e, skip: reason });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    const marker = pending;
    pending = undefined;
    const whole = wholeLineMarker.exec(line);
    if (whole) {
      if (marker) unused.push(`${file}:${marker.line}: "${marker.reason}" marks no example`);
      pending = { reason: whole[1]!, line: i + 1 };
      continue;
    }
    const fence = /^\s*(`{3,}|~{3,})\s*([^\s`]*)/.exec(line);
    if (fence) {
      const lang = fence[2]!.toLowerCase();
      const body: { text: string; n: number }[] = [];
      let j = i + 1;
      for (; j < lines.length && lines[j]!.trim() !== fence[1]; j++) body.push({ text: lines[j]!, n: j + 1 });
      const unit = `${file}:${i + 1}`;
      const found: Example[] = [];
      if (shellLangs.has(lang)) {
        for (const c of shellCommands(body))
          if (shellWords.has(c.text.split(/\s+/)[0]!))
            found.push({ file, line: c.n, kind: 'shell', text: c.text, unit });
      } else if (!lang) {
        for (const b of body) {
          const text = b.text.replace(/(^|\s+)#(\s.*)?$/, '').trim();
          if (isChatExample(text, false)) found.push({ file, line: b.n, kind: 'chat', text, unit });
        }
      }
      take(found, marker?.reason, marker ? `${file}:${marker.line}` : unit);
      i = j;
      continue;
    }
    // Prose: code spans and markers in the order they stand.
    const unit = `${file}:${i + 1}`;
    const onLine: Example[] = [];
    let inline: { reason: string } | undefined;
    for (const m of line.matchAll(new RegExp(`${markerRe.source}|\`([^\`]+)\``, 'g'))) {
      if (m[1] !== undefined) {
        if (inline) unused.push(`${unit}: "${inline.reason}" marks no example`);
        inline = { reason: m[1] };
        continue;
      }
      const span = m[2]!;
      if (inline && !isChatExample(span, true))
        unused.push(`${unit}: "${inline.reason}" is not right before a chat example`);
      if (isChatExample(span, true))
        onLine.push({ file, line: i + 1, kind: 'chat', text: span.trim(), unit, skip: inline?.reason });
      inline = undefined;
    }
    if (inline) unused.push(`${unit}: "${inline.reason}" marks no example`);
    if (marker) take(onLine, marker.reason, `${file}:${marker.line}`);
    else examples.push(...onLine);
  }
  if (pending) unused.push(`${file}:${pending.line}: "${pending.reason}" marks no example`);
  return { examples, unused };
}

const extracted = docs.map((f) => extract(f, readFileSync(join(root, f), 'utf8')));
const examples = extracted.flatMap((x) => x.examples);
const unusedMarkers = extracted.flatMap((x) => x.unused);

// ---------------------------------------------------------------------------------------------
// Running

let s: SandboxBot;
let scratch: string;
let env: NodeJS.ProcessEnv;
const servers: {
  unit: string;
  line: string;
  child: ReturnType<typeof spawn>;
  exited: Promise<number | null>;
}[] = [];

const onPath = (tool: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, tool)));

/** The machine's tools a shell example needs besides sh and deckhand. */
const toolsOf = (text: string) =>
  ['kubectl', 'jq', 'curl'].filter((t) => new RegExp(`(^|[\\s(|&;])${t}\\s`).test(text));

/** Every process a shell example started, so that none outlives the file. */
const started = new Set<ReturnType<typeof spawn>>();

function sh(text: string, background = false) {
  const child = spawn('sh', ['-c', background ? `exec ${text}` : text], {
    cwd: scratch,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a command that hangs is stopped with everything it started.
    detached: true,
  });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return child;
}

const kill = (child: ReturnType<typeof spawn>) => {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
};

async function runShell(text: string): Promise<{ code: number | null; output: string }> {
  const child = sh(text);
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  // Within vitest's 20 s per test, so the test reports what it printed.
  const timer = setTimeout(() => kill(child), 15_000);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, output };
}

async function startServer(e: Example): Promise<void> {
  const child = sh(e.text.replace(/&$/, '').trim(), true);
  let output = '';
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const printed = new Promise<void>((r) => {
    child.stdout.on('data', (b: Buffer) => ((output += b.toString()), r()));
    child.stderr.on('data', (b: Buffer) => ((output += b.toString()), r()));
  });
  servers.push({ unit: e.unit, line: e.text, child, exited });
  const first = await Promise.race([
    printed.then(() => 'printed'),
    exited.then(() => 'exited'),
    new Promise((r) => setTimeout(() => r('silent'), 15_000)),
  ]);
  expect(first, `${e.text}\n${output}`).toBe('printed');
  // What it printed first may be an error it is about to exit with.
  await new Promise((r) => setTimeout(r, 100));
  expect(child.exitCode, `${e.text}\n${output}`).toBeNull();
}

/** Stop the servers a block started; each must exit 0 on SIGTERM. */
async function stopServers(unit: string): Promise<void> {
  for (const srv of servers.filter((x) => x.unit === unit)) {
    servers.splice(servers.indexOf(srv), 1);
    if (srv.child.exitCode === null) process.kill(srv.child.pid!, 'SIGTERM');
    const code = await Promise.race([srv.exited, new Promise((r) => setTimeout(() => r('hung'), 10_000))]);
    if (code === 'hung') kill(srv.child);
    expect(code, `${srv.line} on SIGTERM`).toBe(0);
  }
}

beforeAll(async () => {
  s = await startSandboxBot();
  scratch = mkdtempSync(join(tmpdir(), 'deckhand-docs-'));
  mkdirSync(join(scratch, '.deckhand'));
  symlinkSync(s.dir, join(scratch, '.deckhand/sandbox'));
  symlinkSync(s.run.configFile, join(scratch, 'deckhand.yaml'));
  const shims = join(scratch, '.bin');
  mkdirSync(shims);
  const shim = (name: string, body: string) => {
    writeFileSync(join(shims, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(shims, name), 0o755);
  };
  shim('deckhand', 'exec "$DOCS_TEST_NODE" "$DOCS_TEST_BIN" "$@"');
  shim(
    'npx',
    'if [ "$1" = deckhand ]; then shift; exec deckhand "$@"; fi\necho "the docs test runs npx deckhand only" >&2; exit 127',
  );
  shim(
    'npm',
    'echo "the docs test does not run npm scripts in a scratch directory: mark the example" >&2; exit 127',
  );
  env = {
    ...process.env,
    PATH: `${shims}${delimiter}${process.env.PATH ?? ''}`,
    HOME: join(scratch, '.home'),
    KUBECONFIG: join(scratch, '.home', 'no-kubeconfig'),
    DOCS_TEST_NODE: process.execPath,
    DOCS_TEST_BIN: bin,
  };
  delete env.DECKHAND_CONFIG;
}, 60_000);

afterAll(async () => {
  servers.splice(0);
  for (const child of started) kill(child);
  await s?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the docs', () => {
  it('every marker marks an example', () => {
    expect(unusedMarkers).toEqual([]);
  });
  it('are read by the rules of this file', () => {
    const doc = [
      'Run `/argo status naver-news` or `argo status naver-news`; `/argo status` and `/diagnose <app>`',
      'name commands, `/healthz` is a path, and `/deckhand version` and `/argo` run.',
      '<!-- not run by the docs test: a placeholder --> `/k8s logs <pod>` and `/argo list` <!-- not run by the docs test: stray -->',
      '',
      '<!-- not run by the docs test: needs a cluster -->',
      '```sh',
      'kubectl apply -f x.yaml \\',
      '  --dry-run=client   # a comment',
      'git log',
      '```',
      '',
      '```',
      'argo status <app> [--refresh]',
      'argo status payments/api@prod',
      'audit --kind merge     # merges',
      '```',
      '```console',
      '$ npx deckhand exec "/whoami # not a comment"',
      '```',
      '<!-- not run by the docs test: nothing here -->',
      '```yaml',
      'a: 1',
      '```',
    ].join('\n');
    const { examples: found, unused } = extract('doc.md', doc);
    expect(found.map((e) => [e.line, e.kind, e.text, e.skip])).toEqual([
      [1, 'chat', '/argo status naver-news', undefined],
      [2, 'chat', '/deckhand version', undefined],
      [2, 'chat', '/argo', undefined],
      [3, 'chat', '/k8s logs <pod>', 'a placeholder'],
      [3, 'chat', '/argo list', undefined],
      [7, 'shell', 'kubectl apply -f x.yaml --dry-run=client', 'needs a cluster'],
      [14, 'chat', 'argo status payments/api@prod', undefined],
      [15, 'chat', 'audit --kind merge', undefined],
      [18, 'shell', 'npx deckhand exec "/whoami # not a comment"', undefined],
    ]);
    expect(unused).toEqual([
      'doc.md:3: "stray" marks no example',
      'doc.md:20: "nothing here" marks no example',
    ]);
  });
  it('that are not run each say why where they stand, in words', () => {
    const notRun = examples.filter((e) => e.skip !== undefined);
    const unexplained = notRun.filter((e) => (e.skip ?? '').trim().split(/\s+/).length < 2);
    expect(unexplained.map((e) => `${e.file}:${e.line} ${e.text}`)).toEqual([]);
    expect(notRun.length).toBeLessThan(examples.length / 4);
  });
  it('have examples in every kind the test reads', () => {
    expect(examples.filter((e) => e.kind === 'chat' && !e.skip).length).toBeGreaterThan(50);
    expect(examples.filter((e) => e.kind === 'shell' && !e.skip).length).toBeGreaterThan(3);
  });
});

describe.each(docs.filter((f) => examples.some((e) => e.file === f)))('%s', (file) => {
  const mine = examples.filter((e) => e.file === file);
  for (const e of mine) {
    const name = `${e.file}:${e.line} ${e.text.replace(/\s+/g, ' ').slice(0, 110)}`;
    // A marked example is not a test: the doc says in place why it cannot run (checked above).
    if (e.skip !== undefined) continue;
    const last = mine.filter((x) => x.unit === e.unit && x.skip === undefined).at(-1) === e;
    it(name, async (ctx) => {
      try {
        await run(e, ctx);
      } finally {
        if (last) await stopServers(e.unit);
      }
    });
  }
});

async function run(e: Example, ctx: { skip: (note?: string) => void }): Promise<void> {
  if (e.kind === 'chat') {
    const r = await s.exec(e.text, 'console');
    expect(r.ok, `${e.text}\n${textOf(r)}`).toBe(true);
    return;
  }
  const missing = toolsOf(e.text).filter((t) => !onPath(t));
  if (missing.length) {
    if (process.env.CI) throw new Error(`${missing.join(', ')} not found; on CI every tool must be there`);
    return ctx.skip(`${missing.join(', ')} not found`);
  }
  if (e.text.endsWith('&')) return startServer(e);
  const r = await runShell(e.text);
  expect(r.code, `${e.text}\n${r.output}`).toBe(0);
}
