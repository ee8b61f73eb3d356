/**
 * The plain-text rendering of the message model: what the console prints, and the reference for
 * what every adapter must at least convey.
 */
import { stripMarkup } from './markup.ts';
import { isActionButton, type Block, type Message, type Table } from './model.ts';

export interface TextRenderOptions {
  /** Number action buttons `[1] Approve` so a terminal user can pick one; otherwise show their ids. */
  numberButtons?: boolean;
}

const toneMark: Record<string, string> = { ok: '✔', warn: '⚠', danger: '✖', info: 'ℹ' };

export function renderTable(t: Table): string {
  const cells = [t.columns, ...t.rows].map((r) => r.map((c) => stripMarkup(c ?? '')));
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (t.align?.[i] === 'right' ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = cells;
  return [line(head ?? []), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function renderBlock(b: Block): string {
  switch (b.type) {
    case 'text':
      return stripMarkup(b.text);
    case 'fields': {
      const w = Math.max(...b.fields.map((f) => f.label.length));
      return b.fields.map((f) => `${(f.label + ':').padEnd(w + 1)} ${stripMarkup(f.value)}`).join('\n');
    }
    case 'code':
      return (b.title ? `${stripMarkup(b.title)}\n` : '') + indent(b.code);
    case 'table':
      return (b.title ? `${stripMarkup(b.title)}\n` : '') + renderTable(b.table);
    case 'context':
      return b.items.map(stripMarkup).join(' · ');
    case 'divider':
      return '─'.repeat(40);
  }
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => '  ' + l)
    .join('\n');

export function renderText(m: Message, opts: TextRenderOptions = {}): string {
  const parts: string[] = [];
  const mark = m.tone ? toneMark[m.tone] + ' ' : '';
  if (m.header) parts.push(`${mark}${stripMarkup(m.header)}`);
  // With blocks, `text` is the notification fallback and the blocks carry the body.
  if (!m.blocks?.length) parts.push(stripMarkup(m.text));
  for (const b of m.blocks ?? []) parts.push(renderBlock(b));
  // Without a header, the tone mark leads the first line.
  if (!m.header && mark && parts.length) parts[0] = mark + parts[0];
  for (const a of m.attachments ?? []) parts.push(`📎 ${a.filename}${a.path ? ` (${a.path})` : ''}`);
  if (m.buttons?.length) {
    let n = 0;
    parts.push(
      m.buttons
        .map((b) => {
          if (!isActionButton(b)) return `[${b.label}] ${b.url}`;
          n += 1;
          return opts.numberButtons ? `[${n}] ${b.label}` : `[${b.label}] (${b.actionId})`;
        })
        .join('  '),
    );
  }
  return parts.filter((p) => p !== '').join('\n\n');
}
