/**
 * The interactive console chat of `deckhand start`: a prompt with persistent history; a number
 * presses the matching button of the last message that had buttons; `as <person>` switches who is
 * typing (so one terminal can propose as alice and approve as bob, as two people would in Slack);
 * Ctrl-C clears the line, and twice on an empty line quits.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { PlatformUser } from '../../core/identity.ts';
import type { ConsoleAdapter } from './adapter.ts';

export interface ReplOptions {
  adapter: ConsoleAdapter;
  user: PlatformUser;
  channel: string;
  historyFile: string;
  /** Lines are written to the history file through this (a pasted token must not land on disk). */
  redact?: (line: string) => string;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  banner?: string;
  /** The people of the configuration, for `as` without a name and for a warning on a typo. */
  people?: string[];
  /**
   * Receives the writer the bot's own messages should go through: one that arrives while the
   * person is typing (an alert, a follow-up) is printed above the prompt, and what they typed is
   * redrawn below it instead of being cut in two.
   */
  attach?: (write: (s: string) => void) => void;
  /** `as <person>` is allowed (adapters.console.switchUsers); otherwise it says how to turn it on. */
  switchUsers?: boolean;
}

const AS = /^\/?as(?:\s+(\S+))?$/i;

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500);
  } catch {
    return [];
  }
}

/** Runs until the user types `exit` or closes input; resolves then. */
export function runRepl(opts: ReplOptions): Promise<void> {
  const { adapter } = opts;
  let user = opts.user;
  const output = opts.output ?? process.stdout;
  const rl = createInterface({
    input: opts.input ?? process.stdin,
    output,
    prompt: `${user.id}@deckhand> `,
    history: loadHistory(opts.historyFile),
    historySize: 500,
    terminal: (output as NodeJS.WriteStream).isTTY ?? false,
  });
  rl.on('history', (h: string[]) => {
    try {
      mkdirSync(dirname(opts.historyFile), { recursive: true });
      const lines = [...h].reverse().map((l) => opts.redact?.(l) ?? l);
      writeFileSync(opts.historyFile, lines.join('\n') + '\n');
    } catch {
      // History is a convenience; a read-only data dir must not break the chat.
    }
  });
  /** `as bob`: who types next; the buttons printed so far keep their numbers. */
  const switchTo = (name: string | undefined): void => {
    const people = opts.people ?? [];
    if (!opts.switchUsers) {
      output.write(
        'Switching who types is off: set adapters.console.switchUsers: true, or use deckhand exec --as <person>.\n',
      );
      return;
    }
    if (!name) {
      output.write(
        `You are ${user.id}.${people.length ? ` Type \`as <name>\` to be someone else: ${people.join(', ')}.` : ''}\n`,
      );
      return;
    }
    user = { platform: user.platform, id: name, name };
    rl.setPrompt(`${name}@deckhand> `);
    const unknown =
      people.length && !people.includes(name) ? ` (not in the configuration: default roles only)` : '';
    output.write(`You are now ${name}${unknown}. \`whoami\` shows what ${name} may do.\n`);
  };
  // Ctrl-C clears what is typed, as a shell does; on an empty line it asks before quitting.
  let interrupted = false;
  rl.on('SIGINT', () => {
    if (rl.line.length || !interrupted) {
      interrupted = !rl.line.length;
      output.write(interrupted ? '\n(To quit, press Ctrl-C again or type exit.)\n' : '\n');
      // End of line, then delete to its start: readline's own keys, so its state stays right.
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      rl.prompt();
      return;
    }
    rl.close();
  });
  // Waiting at the prompt (not running a line): a message now interrupts someone typing.
  let prompting = false;
  const prompt = () => {
    prompting = true;
    rl.prompt();
  };
  opts.attach?.((s) => {
    if (!prompting || !(output as NodeJS.WriteStream).isTTY) {
      output.write(s);
      return;
    }
    clearLine(output, 0);
    cursorTo(output, 0);
    output.write(s);
    rl.prompt(true);
  });
  if (opts.banner) output.write(opts.banner + '\n');
  const conversation = { platform: 'console', channel: opts.channel };
  let queue = Promise.resolve();
  return new Promise((resolve) => {
    rl.on('line', (raw) => {
      prompting = false;
      interrupted = false;
      const line = raw.trim();
      if (line === 'exit' || line === 'quit') {
        rl.close();
        return;
      }
      const as = AS.exec(line);
      if (as) {
        queue = queue.then(() => switchTo(as[1]));
        void queue.then(prompt);
        return;
      }
      queue = queue.then(async () => {
        if (!line) return;
        const deliver = adapter.deliverFn;
        if (!deliver) return;
        const n = /^\d+$/.test(line) ? Number(line) : NaN;
        const button = Number.isInteger(n) ? adapter.lastButtons[n - 1] : undefined;
        const respond = adapter.responder(conversation);
        if (button) {
          await deliver({
            kind: 'action',
            actionId: button.actionId,
            user,
            conversation,
            source: button.ref,
            respond,
          });
        } else {
          await deliver({ kind: 'command', text: line, user, conversation, respond });
        }
      });
      void queue.then(prompt);
    });
    rl.on('close', () => {
      // Messages posted while the bot shuts down are printed plainly, not through a closed prompt.
      prompting = false;
      void queue.then(() => resolve());
    });
    prompt();
  });
}
