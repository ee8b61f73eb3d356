/**
 * The message model's inline Markdown subset in Discord: `**b**`, `_i_`, `` `c` `` and `[l](u)`
 * mean the same there and pass through. What Discord reads beyond the subset — `*`, `~~`,
 * `||spoilers||`, `<@mentions>`, headings, quotes and `-#` subtext at a line start — is escaped
 * in plain text, so an app name or a log line shows as written.
 */
import { plainText, writeInline, type InlineWriter } from '../shared/inline.ts';

/** Plain text with every character Discord would read as markup escaped. */
export const escapeDiscord = (s: string): string => s.replace(/[\\*~|`<]/g, '\\$&');

const lineStart = /^([ \t]*)(#{1,3} |-# |>>> |> )/gm;

const markdown: InlineWriter = {
  text: escapeDiscord,
  escaped: (ch) => `\\${ch}`,
  code: (s) => '`' + s + '`',
  link: (label, url) => `[${label}](${url})`,
  bold: (inner) => `**${inline(inner)}**`,
  italic: (before, inner) => `${before}_${inline(inner)}_`,
};

const inline = (s: string): string => writeInline(s, markdown);

export const toDiscordMarkdown = (s: string): string => inline(s).replace(lineStart, '$1\\$2');

/** Text for places Discord shows without Markdown: titles, footers, field names, button labels. */
export const toPlain = plainText;

/** Where Markdown may not be cut: inside a link, an escape or an inline code span. */
export const MARKDOWN_ATOM = /\[(?:\\.|[^\]\n\\])*\]\([^)\s]+\)|\\.|`[^`\n]*`/g;
