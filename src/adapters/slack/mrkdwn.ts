/**
 * The message model's inline Markdown subset as Slack mrkdwn: `**b**` → `*b*`, `_i_` and `` `c` ``
 * stay, `[l](u)` → `<u|l>`. Slack reads `&`, `<` and `>` as control characters everywhere, so plain
 * text escapes them (otherwise `<!channel>` in an app's name would ping a channel).
 * Slack has no backslash escapes: a model escape (`\*`) becomes the bare character.
 */
import { plainText, writeInline, type InlineWriter } from '../shared/inline.ts';

export const escapeSlack = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A URL inside `<…|…>`: the characters that would end the link are percent-encoded. */
const slackUrl = (u: string) => u.replace(/[|<>]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');

const mrkdwn: InlineWriter = {
  text: escapeSlack,
  escaped: (ch) => ch,
  code: (s) => '`' + escapeSlack(s) + '`',
  link: (label, url) => {
    const text = escapeSlack(plainText(label));
    return text ? `<${slackUrl(url)}|${text}>` : `<${slackUrl(url)}>`;
  },
  bold: (inner) => `*${toMrkdwn(inner)}*`,
  italic: (before, inner) => `${escapeSlack(before)}_${toMrkdwn(inner)}_`,
};

export const toMrkdwn = (s: string): string => writeInline(s, mrkdwn);

/** Text for `plain_text` objects (headers, buttons), which Slack shows literally. */
export const toPlain = plainText;

/**
 * Where a mrkdwn text may not be cut: inside a link or mention, an entity, or an inline code span.
 * Used with `chunkText`.
 */
export const MRKDWN_ATOM = /<[^<>\n]*>|&(?:amp|lt|gt);|`[^`\n]*`/g;
