/**
 * The message model as HTML for email: the header as a heading, text as paragraphs, fields and
 * tables as tables, code as preformatted text, link buttons as links. Everything is escaped first;
 * only the model's own inline markup becomes tags, and only web addresses become links.
 */
import type { Block, Message } from '../../core/message/model.ts';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The inline Markdown subset (links, bold, italic, code) as tags, on escaped text. */
export function inline(s: string): string {
  return escapeHtml(s)
    .replace(
      /\[((?:\\.|[^\]\\])*)\]\((https?:\/\/[^)\s]+)\)/g,
      (_m, label: string, url: string) => `<a href="${url}">${label}</a>`,
    )
    .replace(/\*\*((?:\\.|[^*\\])+)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[\s(])_((?:\\.|[^_\\])+)_(?=$|[\s).,;:!?])/g, '$1<em>$2</em>')
    .replace(/`([^`]*)`/g, '<code>$1</code>')
    .replace(/\\([\\*_`[\]])/g, '$1')
    .replace(/\n/g, '<br>');
}

const cell = 'style="border:1px solid #ddd;padding:4px 8px;text-align:left"';

function block(b: Block): string {
  switch (b.type) {
    case 'text':
      return `<p>${inline(b.text)}</p>`;
    case 'fields':
      return `<table style="border-collapse:collapse">${b.fields
        .map((f) => `<tr><th ${cell}>${escapeHtml(f.label)}</th><td ${cell}>${inline(f.value)}</td></tr>`)
        .join('')}</table>`;
    case 'code':
      return `${b.title ? `<p><strong>${escapeHtml(b.title)}</strong></p>` : ''}<pre style="background:#f6f8fa;padding:8px">${escapeHtml(b.code)}</pre>`;
    case 'table':
      return `${b.title ? `<p><strong>${escapeHtml(b.title)}</strong></p>` : ''}<table style="border-collapse:collapse"><tr>${b.table.columns
        .map((c) => `<th ${cell}>${escapeHtml(c)}</th>`)
        .join('')}</tr>${b.table.rows
        .map((r) => `<tr>${r.map((c) => `<td ${cell}>${inline(c ?? '')}</td>`).join('')}</tr>`)
        .join('')}</table>`;
    case 'context':
      return `<p style="color:#666;font-size:small">${b.items.map(inline).join(' · ')}</p>`;
    case 'divider':
      return '<hr>';
  }
}

/** The whole message; `images` are the content ids of inline images, shown after the blocks. */
export function renderHtml(m: Message, images: { cid: string; title: string }[] = []): string {
  const parts = [
    m.header ? `<h2>${escapeHtml(m.header)}</h2>` : '',
    ...(m.blocks?.length ? m.blocks.map(block) : [`<p>${inline(m.text)}</p>`]),
    ...images.map((i) => `<p><img src="cid:${i.cid}" alt="${escapeHtml(i.title)}"></p>`),
    ...(m.buttons ?? []).flatMap((b) =>
      'url' in b && b.url && /^https?:\/\//.test(b.url)
        ? [`<p><a href="${escapeHtml(b.url)}">${escapeHtml(b.label)}</a></p>`]
        : [],
    ),
  ];
  return `<!doctype html><html><body style="font-family:sans-serif">${parts.join('\n')}</body></html>`;
}
