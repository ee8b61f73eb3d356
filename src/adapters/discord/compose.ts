/**
 * What the adapter sends for one model message: one Discord message, whatever the length. Where
 * the renderer pages a long answer into several messages, the first page is sent with the whole
 * answer as a file beside it (instead of continuation messages), and a file the message carries
 * twice (an attachment and the same text trimmed from a block) is uploaded once. Only buttons
 * beyond what one message holds still go in further messages: a file cannot carry them.
 */
import type { Message } from '../../core/message/model.ts';
import { chunkText, clip } from '../shared/chunk.ts';
import type { OutFile } from '../shared/files.ts';
import { BLANK } from './blocks.ts';
import { MARKDOWN_ATOM, toPlain } from './markdown.ts';
import { DISCORD } from './problems.ts';
import { toDiscord, type DiscordMessage } from './render.ts';

/** Discord takes at most 10 files per message (https://discord.com/developers/docs/reference#uploading-files). */
export const MAX_FILES = 10;

export interface Composed {
  first: DiscordMessage;
  /** Further messages: only buttons beyond the 25 one message holds. */
  extra: DiscordMessage[];
  files: OutFile[];
}

/** `lead` (e.g. "asked by <@id>") opens the message's content. */
export function compose(m: Message, lead?: string): Composed {
  const r = toDiscord(m);
  const { files, messages } = dedupe(r.files, r.messages);
  const [head, ...more] = messages as [DiscordMessage, ...DiscordMessage[]];
  const prefix = lead ? `${lead}\n` : '';
  const continued = more.some((p) => p.content !== undefined || p.embeds.length > 0);
  const fits = prefix.length + (head.content?.length ?? 0) <= DISCORD.content;
  if (!continued && fits) {
    const first = lead ? { ...head, content: (prefix + (head.content ?? '')).trimEnd() } : head;
    return { first, extra: more, files: limit(files) };
  }
  const name = freeName('message.md', files);
  const note = `… the whole answer is in \`${name}\``;
  const rows = messages.flatMap((p) => p.components);
  const room = DISCORD.content - prefix.length - note.length - 1;
  const body = head.content !== undefined ? (chunkText(head.content, room, MARKDOWN_ATOM)[0] ?? '') : '';
  const first: DiscordMessage = {
    ...head,
    content: prefix + (body ? `${body}\n` : '') + note,
    components: rows.slice(0, DISCORD.rows),
  };
  const extra: DiscordMessage[] = [];
  for (let i = DISCORD.rows; i < rows.length; i += DISCORD.rows)
    extra.push({ embeds: [], components: rows.slice(i, i + DISCORD.rows), allowed_mentions: { parse: [] } });
  const whole: OutFile = {
    filename: name,
    content: messages.map(partText).filter(Boolean).join('\n\n') + '\n',
    contentType: 'text/markdown',
  };
  return { first, extra, files: [...limit(files, MAX_FILES - 1), whole] };
}

const limit = (files: OutFile[], max = MAX_FILES) => files.slice(0, max);

/** The text of one rendered message, as Discord Markdown. */
function partText(p: DiscordMessage): string {
  const out: string[] = [];
  if (p.content) out.push(p.content);
  for (const e of p.embeds) {
    if (e.title) out.push(`**${e.title}**`);
    if (e.description) out.push(e.description);
    for (const f of e.fields ?? []) out.push(f.name === BLANK ? f.value : `**${f.name}**\n${f.value}`);
    if (e.footer?.text) out.push(e.footer.text);
  }
  return out.join('\n\n');
}

/** Files with the same content are uploaded once; the messages name the one kept. */
function dedupe(
  files: OutFile[],
  messages: DiscordMessage[],
): { files: OutFile[]; messages: DiscordMessage[] } {
  const kept: OutFile[] = [];
  const renamed = new Map<string, string>();
  for (const f of files) {
    const same = kept.find((k) =>
      f.path ? k.path === f.path : k.content !== undefined && k.content === f.content,
    );
    if (same) renamed.set(f.filename, same.filename);
    else kept.push(f);
  }
  if (!renamed.size) return { files, messages };
  let json = JSON.stringify(messages);
  for (const [from, to] of renamed) json = json.split(`\`${from}\``).join(`\`${to}\``);
  return { files: kept, messages: JSON.parse(json) as DiscordMessage[] };
}

function freeName(name: string, files: OutFile[]): string {
  const [base, ext] = [name.replace(/\.[^.]+$/, ''), name.slice(name.lastIndexOf('.'))];
  let n = name;
  for (let i = 2; files.some((f) => f.filename === n); i++) n = `${base}-${i}${ext}`;
  return n;
}

/** A thread name from a message: its header or first line, 1 to 100 characters as Discord requires. */
export function threadName(m: Message): string {
  const line = (m.header || m.text || '')
    .split('\n')
    .map((l) => toPlain(l).trim())
    .find(Boolean);
  return clip(line ?? 'deckhand', 100);
}
