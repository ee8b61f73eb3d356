/**
 * `deckhand exec`: one command line (or one button press) through the full stack, as a chat user
 * would send it. Text mode prints messages as they are posted; `--json` prints
 * `{"ok", "messages"}` at the end. The exit status is 1 when ok is false.
 */
import type { Bot } from '../../core/compose.ts';
import type { Message } from '../../core/message/model.ts';
import { ConsoleAdapter, type ConsoleOutput } from './adapter.ts';

export interface ExecOptions {
  line?: string;
  press?: string;
  as: string;
  channel: string;
  json: boolean;
  out: ConsoleOutput;
  /** How long to wait for background work the command started (follow-ups) before exiting. */
  settleMs?: number;
}

export async function execOnce(
  bot: Bot,
  adapter: ConsoleAdapter,
  opts: ExecOptions,
): Promise<{ ok: boolean; messages: Message[] }> {
  const user = { platform: 'console', id: opts.as, name: opts.as };
  const conversation = { platform: 'console', channel: opts.channel };
  const respond = adapter.responder(conversation);
  const result = opts.press
    ? await bot.dispatcher.deliver({ kind: 'action', actionId: opts.press, user, conversation, respond })
    : await bot.dispatcher.deliver({ kind: 'command', text: opts.line ?? '', user, conversation, respond });
  if (opts.settleMs) await bot.tasks.idle(opts.settleMs);
  return result;
}

/** A console adapter that prints nothing (JSON mode collects the messages instead). */
export const silentAdapter = (): ConsoleAdapter =>
  new ConsoleAdapter({ write: () => {} }, { numberButtons: false });
