/**
 * The console chat: messages are printed as text, buttons as numbered choices. It serves the
 * interactive REPL of `deckhand start` and the one-shot `deckhand exec`.
 */
import { randomBytes } from 'node:crypto';
import type { ChatAdapter, Deliver, Responder } from '../../core/chat.ts';
import {
  isActionButton,
  type Conversation,
  type Message,
  type MessageRef,
} from '../../core/message/model.ts';
import { renderText } from '../../core/message/render-text.ts';

export interface ConsoleOutput {
  write(s: string): void;
}

export class ConsoleAdapter implements ChatAdapter {
  readonly platform = 'console';
  /** Action ids of the buttons printed last, so the REPL can map `1` to a press. */
  lastButtons: { actionId: string; label: string; ref: MessageRef }[] = [];
  private deliver?: Deliver;

  private readonly out: ConsoleOutput;

  private readonly opts: { numberButtons: boolean };

  constructor(out: ConsoleOutput, opts: { numberButtons: boolean } = { numberButtons: true }) {
    this.out = out;

    this.opts = opts;
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
  }

  get deliverFn(): Deliver | undefined {
    return this.deliver;
  }

  private print(ref: MessageRef, m: Message, updated: boolean): void {
    const buttons = (m.buttons ?? []).filter(isActionButton);
    if (buttons.length)
      this.lastButtons = buttons.map((b) => ({ actionId: b.actionId, label: b.label, ref }));
    const where = ref.thread ? `  ↳ (thread ${ref.thread}) ` : '';
    const head = updated ? `↻ (updated ${ref.id}) ` : '';
    const body = renderText(m, { numberButtons: this.opts.numberButtons });
    this.out.write(`${where}${head}${body}\n\n`);
  }

  async post(to: Conversation, m: Message): Promise<MessageRef> {
    const id = `m-${randomBytes(4).toString('hex')}`;
    const ref: MessageRef = {
      platform: 'console',
      channel: to.channel,
      id,
      thread: to.thread ?? (m.placement === 'thread' ? id : undefined),
    };
    this.print(ref, m, false);
    return ref;
  }

  async update(ref: MessageRef, m: Message): Promise<void> {
    this.print(ref, m, true);
  }

  async stop(): Promise<void> {
    this.deliver = undefined;
  }

  /** A responder for one turn in a conversation. */
  responder(conv: Conversation): Responder {
    return {
      post: (m) => this.post(conv, m),
      update: (ref, m) => this.update(ref, m),
    };
  }
}
