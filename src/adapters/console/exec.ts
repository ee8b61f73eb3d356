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

export interface ExecResult {
  ok: boolean;
  messages: Message[];
  /** Background work the command started that had not finished when exec stopped waiting. */
  pending?: string[];
}

/**
 * Runs the line or the press, then waits up to settleMs for what it started in the background.
 * Whatever is still running then does not change the outcome: it is said (`pending`) and left in
 * the store for the serving bot.
 */
export async function execOnce(bot: Bot, adapter: ConsoleAdapter, opts: ExecOptions): Promise<ExecResult> {
  const user = { platform: 'console', id: opts.as, name: opts.as };
  const conversation = { platform: 'console', channel: opts.channel };
  const respond = adapter.responder(conversation);
  const result = opts.press
    ? await bot.dispatcher.deliver({ kind: 'action', actionId: opts.press, user, conversation, respond })
    : await bot.dispatcher.deliver({ kind: 'command', text: opts.line ?? '', user, conversation, respond });
  if (opts.settleMs) await bot.tasks.idle(opts.settleMs);
  const pending = await bot.tasks.pending();
  if (pending.length === 0) return result;
  if (!opts.json)
    opts.out.write(
      `${opts.settleMs ? `Still running after --wait ${Math.round(opts.settleMs / 1000)}` : 'Still running (exec --wait <seconds> waits for it)'}:\n${pending.map((p) => `  ${p}`).join('\n')}\n`,
    );
  return { ...result, pending };
}

/** A console adapter that prints nothing (JSON mode collects the messages instead). */
export const silentAdapter = (): ConsoleAdapter =>
  new ConsoleAdapter({ write: () => {} }, { numberButtons: false });
