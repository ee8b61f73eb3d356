/**
 * The message model as Discord messages: embeds coloured by tone, buttons in action rows. Pure:
 * one model message becomes one or more Discord messages (paged when embeds or buttons outgrow
 * one) and the files to upload beside them. Every payload keeps within the limits in problems.ts,
 * which the tests check on random messages of any size.
 */
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIButtonComponent,
  type APIEmbed,
} from 'discord.js';
import { isActionButton, type Message, type Tone } from '../../core/message/model.ts';
import { chunkText, clip } from '../shared/chunk.ts';
import { FileSet, type OutFile } from '../shared/files.ts';
import { addBlock, markdownPieces } from './blocks.ts';
import { EmbedPacker } from './embeds.ts';
import { MARKDOWN_ATOM, escapeDiscord, toDiscordMarkdown, toPlain } from './markdown.ts';
import { DISCORD } from './problems.ts';

export { discordPayloadProblems } from './problems.ts';

export type DiscordRow = APIActionRowComponent<APIButtonComponent>;

export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: DiscordRow[];
  /** Nothing a renderer posts pings anyone: an app name or a log line is not a mention. */
  allowed_mentions: APIAllowedMentions;
}

export interface DiscordRender {
  messages: DiscordMessage[];
  /** Attachments, and the full text of blocks that had to be trimmed. */
  files: OutFile[];
}

export const toneColor: Record<Tone, number> = {
  ok: 0x57f287,
  warn: 0xf0b232,
  danger: 0xed4245,
  info: 0x5865f2,
};

const buttonStyle = { primary: ButtonStyle.Primary, danger: ButtonStyle.Danger } as const;

export function toDiscord(m: Message): DiscordRender {
  const files = new FileSet();
  for (const a of m.attachments ?? []) files.attach(a);
  const { buttons, notes } = buttonRows(m.buttons);
  const header = m.header ? toPlain(m.header) : '';
  let messages: DiscordMessage[];
  if (!header && !m.tone && !m.blocks?.length) {
    // Plain text needs no embed: it reads (and notifies) best as message content.
    const text = [toDiscordMarkdown(m.text), ...notes].filter((t) => t.trim()).join('\n');
    messages = chunkText(text, DISCORD.content, MARKDOWN_ATOM).map((content) => message([], content));
  } else {
    const out = new EmbedPacker(header || undefined, m.tone ? toneColor[m.tone] : undefined);
    // A header too long for a title is repeated in full at the top.
    if (header.length > DISCORD.title)
      markdownPieces(`**${escapeDiscord(header)}**`).forEach((p) => out.text(p));
    if (m.blocks?.length) {
      // Context after the last other block closes the message: it becomes the footer.
      const lastBody = m.blocks.findLastIndex((b) => b.type !== 'context');
      m.blocks.forEach((b, i) => addBlock(b, out, files, i > lastBody));
    } else {
      markdownPieces(toDiscordMarkdown(m.text)).forEach((p) => out.text(p));
    }
    notes.forEach((n) => markdownPieces(n).forEach((p) => out.text(p)));
    if (header) out.ensure();
    messages = out.pages.map((embeds) => message(embeds));
  }
  attachButtons(messages, buttons);
  if (messages.length === 0) {
    messages.push(message([], files.files.length ? '_(see the attached files)_' : '_(empty message)_'));
  }
  return { messages, files: files.files };
}

const message = (embeds: APIEmbed[], content?: string): DiscordMessage => ({
  ...(content !== undefined ? { content } : {}),
  embeds,
  components: [],
  allowed_mentions: { parse: [] },
});

/**
 * Buttons for Discord: an action button's `custom_id` is the model's opaque action id, which the
 * adapter routes presses by; link buttons carry only their URL. What Discord cannot show as a
 * button (an id longer than 100, a URL longer than 512) becomes a line of text instead.
 */
function buttonRows(list: Message['buttons']): { buttons: APIButtonComponent[]; notes: string[] } {
  const buttons: APIButtonComponent[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const b of list ?? []) {
    const label = toPlain(b.label) || (isActionButton(b) ? 'Run' : 'Open');
    if (isActionButton(b)) {
      if (seen.has(b.actionId)) continue; // the same action offered twice is offered once
      seen.add(b.actionId);
      if (b.actionId.length > DISCORD.customId) {
        notes.push(
          `“${escapeDiscord(label)}” cannot be offered as a Discord button (its action id is too long).`,
        );
        continue;
      }
      const style = b.style ? buttonStyle[b.style] : ButtonStyle.Secondary;
      buttons.push({
        type: ComponentType.Button,
        style,
        label: clip(label, DISCORD.label),
        custom_id: b.actionId,
      });
    } else if (b.url.length > DISCORD.url) {
      notes.push(`${escapeDiscord(label)}: ${b.url}`);
    } else {
      buttons.push({
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: clip(label, DISCORD.label),
        url: b.url,
      });
    }
  }
  return { buttons, notes };
}

/** Buttons go under the last message, five to a row and five rows to a message; more continue in further messages. */
function attachButtons(messages: DiscordMessage[], buttons: APIButtonComponent[]): void {
  const perMessage = DISCORD.rows * DISCORD.rowButtons;
  for (let i = 0; i < buttons.length; i += perMessage) {
    const chunk = buttons.slice(i, i + perMessage);
    const rows: DiscordRow[] = [];
    for (let j = 0; j < chunk.length; j += DISCORD.rowButtons) {
      rows.push({ type: ComponentType.ActionRow, components: chunk.slice(j, j + DISCORD.rowButtons) });
    }
    const last = messages.at(-1);
    if (i === 0 && last) last.components = rows;
    else messages.push({ ...message([]), components: rows });
  }
}
