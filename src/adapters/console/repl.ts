/**
 * The interactive console chat of `deckhand start`: a prompt with persistent history; a number
 * presses the matching button of the last message that had buttons.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
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
}

function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500);
  } catch {
    return [];
  }
}

/** Runs until the user types `exit` or closes input; resolves then. */
export function runRepl(opts: ReplOptions): Promise<void> {
  const { adapter, user } = opts;
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
  if (opts.banner) output.write(opts.banner + '\n');
  const conversation = { platform: 'console', channel: opts.channel };
  let queue = Promise.resolve();
  return new Promise((resolve) => {
    rl.on('line', (raw) => {
      const line = raw.trim();
      if (line === 'exit' || line === 'quit') {
        rl.close();
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
      void queue.then(() => rl.prompt());
    });
    rl.on('close', () => {
      void queue.then(() => resolve());
    });
    rl.prompt();
  });
}
