/**
 * Each kind of block in the message model as embed description pieces and fields, handed to the
 * EmbedPacker in order. Trimmed code and tables are attached in full.
 */
import type { APIEmbedField } from 'discord.js';
import type { Block, Field, Table } from '../../core/message/model.ts';
import { chunkText, clip } from '../shared/chunk.ts';
import { fitCode, guardFence, moreLines } from '../shared/code.ts';
import type { FileSet } from '../shared/files.ts';
import { pageTable, tableLines } from '../shared/table.ts';
import type { EmbedPacker } from './embeds.ts';
import { MARKDOWN_ATOM, escapeDiscord, toDiscordMarkdown, toPlain } from './markdown.ts';
import { DISCORD } from './problems.ts';

/** Shown where Discord wants a non-empty name or value that the model left blank. */
export const BLANK = '\u200b';
/** Table pages small enough that two share a message (6000 characters across its embeds). */
const TABLE_PAGE_CHARS = 2800;
/** Tables longer than this are cut (and attached in full) rather than paged on and on. */
const TABLE_CHARS = 18_000;
const CELL_CHARS = 60;
const TITLE_CHARS = 150;
const NOTE_CHARS = 130;

export const markdownPieces = (md: string): string[] => chunkText(md, DISCORD.description, MARKDOWN_ATOM);

const titleLine = (title: string | undefined) => {
  const t = title ? toPlain(title) : '';
  return t ? `**${escapeDiscord(clip(t, TITLE_CHARS))}**\n` : '';
};
const fenced = (body: string, language = '') =>
  '```' + (/^[\w+-]{1,20}$/.test(language) ? language : '') + '\n' + body + '\n```';

export function addBlock(b: Block, out: EmbedPacker, files: FileSet, trailing: boolean): void {
  switch (b.type) {
    case 'text':
      return markdownPieces(toDiscordMarkdown(b.text)).forEach((p) => out.text(p));
    case 'fields':
      return b.fields.forEach((f) => fieldPieces(f).forEach((p) => out.field(p)));
    case 'code':
      return out.text(codePiece(b.code, b.title, b.language, files));
    case 'table':
      return tablePieces(b.table, b.title, files).forEach((p) => out.text(p));
    case 'context': {
      const items = b.items.filter((i) => i.trim());
      if (!items.length) return;
      // Closing context reads best as the footer; elsewhere it is a line of its own.
      if (trailing && out.footer(items.map(toPlain).join(' · '))) return;
      return markdownPieces(items.map(toDiscordMarkdown).join(' · ')).forEach((p) => out.text(p));
    }
    case 'divider':
      return out.close();
  }
}

/** A field, continued in further fields (without a name) when its value is longer than one holds. */
export function fieldPieces(f: Field): APIEmbedField[] {
  const name = clip(toPlain(f.label), DISCORD.fieldName) || BLANK;
  const values = chunkText(toDiscordMarkdown(f.value).trim(), DISCORD.fieldValue, MARKDOWN_ATOM);
  if (values.length === 0) return [{ name, value: BLANK, inline: !!f.short }];
  return values.map((value, i) => ({
    name: i === 0 ? name : BLANK,
    value,
    inline: !!f.short && values.length === 1,
  }));
}

function codePiece(
  code: string,
  title: string | undefined,
  language: string | undefined,
  files: FileSet,
): string {
  const head = titleLine(title);
  const room = DISCORD.description - head.length - fenced('', language).length;
  let fit = fitCode(code, room, guardFence);
  if (fit.omittedLines === 0) return head + fenced(fit.text, language);
  fit = fitCode(code, room - NOTE_CHARS, guardFence);
  const name = files.addText({ title, fallback: 'code', language, content: code });
  return `${head}${fenced(fit.text, language)}\n… ${moreLines(fit.omittedLines)} — full text in \`${name}\``;
}

function tablePieces(t: Table, title: string | undefined, files: FileSet): string[] {
  const head = titleLine(title);
  const pageChars = TABLE_PAGE_CHARS - head.length - fenced('').length - 12;
  const paged = pageTable(t, {
    cellChars: CELL_CHARS,
    pageChars,
    totalChars: TABLE_CHARS,
    escape: guardFence,
  });
  const n = paged.pages.length;
  const out = paged.pages.map(
    (p, i) => (head && n > 1 ? head.replace(/\*\*\n$/, ` (${i + 1}/${n})**\n`) : head) + fenced(p),
  );
  if (paged.omittedRows || paged.clipped) {
    const { head: cols, body } = tableLines(t);
    const name = files.addText({ title, fallback: 'table', content: [...cols, ...body].join('\n') + '\n' });
    const what = paged.omittedRows ? `… ${moreLines(paged.omittedRows, 'row')}` : 'Some cells were cut';
    out.push(`*${what} — full table in \`${name}\`*`);
  }
  return out;
}
