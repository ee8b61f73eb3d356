/**
 * Tables as aligned monospace text, cut into pages that each repeat the header, so every page
 * reads on its own. Both chat renderers show tables this way: neither platform has a table that
 * holds hundreds of rows.
 */
import type { Table } from '../../core/message/model.ts';
import { clip, clipEscaped } from './chunk.ts';
import { plainText } from './inline.ts';

export interface TableLimits {
  /** Longest cell shown; longer ones end with `…`. */
  cellChars: number;
  /** Longest page body (header, rule and rows joined by line breaks), measured after `escape`. */
  pageChars: number;
  /** Characters for the whole table; rows beyond are left out and counted. */
  totalChars: number;
  /** The platform's escaping for text inside a code block. */
  escape?: (s: string) => string;
}

export interface TablePages {
  pages: string[];
  /** Rows left out because the table outgrew `totalChars`. */
  omittedRows: number;
  /** Whether a cell or a line was cut to fit. */
  clipped: boolean;
}

// Cells are one line each: a line break inside a cell would break the columns.
const cellText = (c: string | undefined) => plainText(c ?? '');

/** The header (names and a rule) and the rows as aligned lines. */
export function tableLines(
  t: Table,
  cellChars = Infinity,
): { head: string[]; body: string[]; clipped: boolean } {
  const width = Math.max(t.columns.length, ...t.rows.map((r) => r.length));
  let clipped = false;
  const cells = [t.columns, ...t.rows].map((r) =>
    Array.from({ length: width }, (_, i) => {
      const full = cellText(r[i]);
      const shown = clip(full, cellChars);
      if (shown !== full) clipped = true;
      return shown;
    }),
  );
  const widths = Array.from({ length: width }, (_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (t.align?.[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head = [], ...body] = cells;
  return { head: [line(head), widths.map((w) => '─'.repeat(w)).join('  ')], body: body.map(line), clipped };
}

export function pageTable(t: Table, lim: TableLimits): TablePages {
  if (t.columns.length === 0 && t.rows.every((r) => r.length === 0))
    return { pages: [], omittedRows: 0, clipped: false };
  const esc = lim.escape ?? ((s: string) => s);
  const lines = tableLines(t, lim.cellChars);
  let clipped = lines.clipped;
  // The header takes at most half a page, so every page has room for rows.
  const headMax = Math.floor((lim.pageChars - 1) / 4);
  const head = lines.head.map((l) => {
    const e = esc(l);
    if (e.length <= headMax) return e;
    clipped = true;
    return clipEscaped(e, headMax);
  });
  const header = head.join('\n');
  const room = lim.pageChars - header.length - 1;
  const pages: string[] = [];
  let page: string[] = [];
  let size = 0;
  let total = 0;
  let shown = 0;
  const flush = () => {
    pages.push([header, ...page].join('\n'));
    total += header.length + size;
    page = [];
    size = 0;
  };
  for (const raw of lines.body) {
    let row = esc(raw);
    if (row.length > room) {
      clipped = true;
      row = clipEscaped(row, room);
    }
    if (page.length && size + row.length + 1 > room) flush();
    if (total + header.length + size + row.length + 1 > lim.totalChars) break;
    page.push(row);
    size += row.length + 1;
    shown += 1;
  }
  if (page.length || pages.length === 0) flush();
  return { pages, omittedRows: lines.body.length - shown, clipped };
}
