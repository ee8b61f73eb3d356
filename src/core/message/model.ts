/**
 * The platform-neutral reply. Plugins build these and nothing else; adapters turn them into Block
 * Kit, Discord embeds or terminal text, splitting or paging where a platform sets limits.
 *
 * Inline text uses a small Markdown subset that every adapter can translate:
 * `**bold**`, `_italic_`, `` `code` `` and `[label](https://url)`.
 */
export type Tone = 'info' | 'ok' | 'warn' | 'danger';

export interface Field {
  label: string;
  value: string;
  /** Short values sit side by side where the platform allows it. */
  short?: boolean;
}

export interface Table {
  columns: string[];
  rows: string[][];
  /** Per column alignment; numbers read better right-aligned. */
  align?: ('left' | 'right')[];
}

export type Block =
  | { type: 'text'; text: string }
  | { type: 'fields'; fields: Field[] }
  | { type: 'code'; code: string; language?: string; title?: string }
  | { type: 'table'; table: Table; title?: string }
  | { type: 'context'; items: string[] }
  | { type: 'divider' };

/** A button that runs a server-side action: the id is opaque and resolved in the core. */
export interface ActionButton {
  actionId: string;
  label: string;
  style?: 'primary' | 'danger';
}

/** A button that only opens a URL. */
export interface LinkButton {
  url: string;
  label: string;
}

export type Button = ActionButton | LinkButton;

export const isActionButton = (b: Button): b is ActionButton => 'actionId' in b;

/** A file the adapter uploads where the platform allows it (a full log, a diff, a chart). */
export interface Attachment {
  filename: string;
  contentType: string;
  /** Text content, or a path to a file the process wrote (charts). */
  content?: string;
  path?: string;
  title?: string;
}

/**
 * Where a message goes relative to the conversation it answers:
 * `reply` keeps it where the command was typed (in the thread if it was typed in one),
 * `thread` starts or continues a thread under the triggering message.
 */
export type Placement = 'reply' | 'thread';

export interface Message {
  /**
   * Always present: the notification text. It is also the body when there are no blocks; with
   * blocks, renderers show the header and the blocks and use `text` only as the fallback.
   */
  text: string;
  header?: string;
  tone?: Tone;
  blocks?: Block[];
  buttons?: Button[];
  attachments?: Attachment[];
  placement?: Placement;
  /** Only the asker sees it, where the platform supports that. */
  ephemeral?: boolean;
  /** Structured result for machines (`deckhand exec --json`), e.g. `{ diagnosis }`. */
  data?: Record<string, unknown>;
}

/** A reference to a posted message, enough for an adapter to edit it or reply in its thread. */
export interface MessageRef {
  platform: string;
  channel: string;
  id: string;
  /** The thread the message lives in, if any (Slack thread_ts, Discord thread channel id). */
  thread?: string;
}

/** Where a conversation takes place. */
export interface Conversation {
  platform: string;
  channel: string;
  thread?: string;
}

export const message = (text: string, rest: Omit<Message, 'text'> = {}): Message => ({ text, ...rest });
