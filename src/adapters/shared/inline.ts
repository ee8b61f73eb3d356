/**
 * The message model's inline Markdown subset (`**bold**`, `_italic_`, `` `code` ``, `[label](url)`
 * and backslash escapes), read once here for every chat renderer.
 *
 * Each alternative matches a backslash in one way only (`\\.`), so matching stays linear: a pattern
 * like `(?:\\.|[^*])+` backtracks exponentially on a run of backslashes with no closing `**`, which
 * a log line or an escaped JSON string in a table cell can supply.
 */
const token =
  /\\([\\*_`[\]])|`([^`]*)`|\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)|\*\*((?:\\.|[^*\\])+)\*\*|(^|[\s(])_((?:\\.|[^_\\])+)_(?=$|[\s).,;:!?])/g;

export interface InlineWriter {
  /** Text outside any markup. */
  text(s: string): string;
  /** A character the model escaped (`\*`), to be shown as itself. */
  escaped(ch: string): string;
  code(s: string): string;
  link(label: string, url: string): string;
  /** Inner text is still raw markup: writers call `writeInline` on it again. */
  bold(inner: string): string;
  italic(before: string, inner: string): string;
}

export function writeInline(s: string, w: InlineWriter): string {
  let out = '';
  let last = 0;
  for (const m of s.matchAll(token)) {
    const [whole, escaped, code, label, url, bold, before, italic] = m;
    out += w.text(s.slice(last, m.index));
    if (escaped !== undefined) out += w.escaped(escaped);
    else if (code !== undefined) out += w.code(code);
    else if (url !== undefined) out += w.link(label ?? '', url);
    else if (bold !== undefined) out += w.bold(bold);
    else out += w.italic(before ?? '', italic ?? '');
    last = m.index + whole.length;
  }
  return out + w.text(s.slice(last));
}

const plainWriter: InlineWriter = {
  text: (s) => s,
  escaped: (ch) => ch,
  code: (s) => s,
  link: (label, url) => {
    const l = writeInline(label, plainWriter).trim();
    return l && l !== url ? `${l} (${url})` : url;
  },
  bold: (inner) => writeInline(inner, plainWriter),
  italic: (before, inner) => before + writeInline(inner, plainWriter),
};

/** The text without markup, on one line: for titles, labels, table cells. */
export const plainText = (s: string): string => writeInline(s, plainWriter).replace(/\s+/g, ' ').trim();
