/**
 * Test support for the renderers' property tests: a seeded generator of message-model values of
 * any size, and a check that a rendering lost nothing without saying so. Seeded, so a failure
 * names the seed that reproduces it.
 */
import type { Block, Button, Field, Message } from '../../core/message/model.ts';
import type { OutFile } from './files.ts';
import { plainText as plain } from './inline.ts';

/** mulberry32: a small, fast 32-bit generator; plenty for test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = ['naver-news', 'payments', 'Degraded', 'OOMKilled', 'master-484af0a', 'kube-system', 'a', 'x1'];
const unicode = ['naïve', '漢字', 'Ünïcödé', 'русский', 'ﬁ', 'e\u0301', '🚀', '👩‍💻', '⚠️', '🇰🇷', '👍🏽'];
const specials = [
  '&',
  '<',
  '>',
  '*',
  '_',
  '`',
  '[',
  ']',
  '|',
  '~~',
  '#',
  '\\',
  '@everyone',
  '<!channel>',
  '```',
  '&amp;',
  '-# ',
  '> ',
];
const markup = [
  '**bold**',
  '_italic_',
  '`co de`',
  '[label](https://example.com/a?b=1&c=2)',
  '**b _i_ b**',
  '\\*',
  '\\_',
];
const alnum = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'];
const spaces = [' ', ' ', ' ', '\n', '\n\n', '\t'];

export class Rng {
  readonly next: () => number;
  /** When set, every size is its maximum: the extreme corner of the space. */
  maxed = false;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  /** Mostly small, sometimes up to `max`. */
  size(max: number): number {
    return this.maxed ? max : Math.floor(max * this.next() ** 3);
  }
  /** Letters and digits without a space: no place to cut but a hard one. */
  run(len: number): string {
    return Array.from({ length: len }, () => this.pick(alnum)).join('');
  }
  /** A string of about `len` characters mixing words, unicode, markup and characters that need escaping. */
  str(len: number, lines = true): string {
    let s = '';
    while (s.length < len) {
      const k = this.next();
      const piece =
        k < 0.45
          ? this.pick(words)
          : k < 0.6
            ? this.pick(unicode)
            : k < 0.7
              ? this.pick(specials)
              : k < 0.78
                ? this.pick(markup)
                : k < 0.8
                  ? this.run(Math.min(4000, this.int(1, len - s.length)))
                  : this.pick(spaces);
      s += lines ? piece : piece.replace(/\n/g, ' ');
    }
    return s;
  }
}

const actionId = (r: Rng) =>
  'a_' + Array.from({ length: r.int(20, 40) }, () => r.pick([...'abcXYZ019_-'])).join('');

function randomBlock(r: Rng): Block {
  switch (r.int(0, 5)) {
    case 0:
      return { type: 'text', text: r.str(r.size(20_000)) };
    case 1:
      return {
        type: 'fields',
        fields: Array.from({ length: r.size(200) }, (): Field => ({
          label: r.str(r.size(200), false),
          value: r.str(r.size(2500)),
          short: r.chance(0.5),
        })),
      };
    case 2:
      return {
        type: 'code',
        code: Array.from({ length: r.size(5000) + 1 }, () => r.str(r.size(200), false)).join('\n'),
        ...(r.chance(0.5) ? { title: r.str(r.size(100), false) } : {}),
        ...(r.chance(0.5) ? { language: r.pick(['diff', 'yaml', 'log', 'json', 'weird lang!']) } : {}),
      };
    case 3: {
      const cols = r.maxed ? 8 : r.int(1, 8);
      return {
        type: 'table',
        table: {
          columns: Array.from({ length: cols }, () => r.str(r.size(30), false)),
          rows: Array.from({ length: r.size(500) }, () =>
            Array.from({ length: cols }, () => r.str(r.size(80))),
          ),
          align: Array.from({ length: cols }, () => r.pick(['left', 'right'] as const)),
        },
        ...(r.chance(0.5) ? { title: r.str(r.size(100), false) } : {}),
      };
    }
    case 4:
      return { type: 'context', items: Array.from({ length: r.int(1, 15) }, () => r.str(r.size(400))) };
    default:
      return { type: 'divider' };
  }
}

export function randomMessage(r: Rng): Message {
  const buttons = Array.from({ length: r.size(60) }, (): Button =>
    r.chance(0.7)
      ? {
          actionId: actionId(r),
          label: r.str(r.size(200), false),
          ...(r.chance(0.5) ? { style: r.pick(['primary', 'danger'] as const) } : {}),
        }
      : {
          url: `https://example.com/${r.run(r.chance(0.05) ? 4000 : r.size(600))}`,
          label: r.str(r.size(200), false),
        },
  );
  return {
    text: r.str(r.size(20_000)),
    ...(r.chance(0.7) ? { header: r.str(r.int(1, 200), false) } : {}),
    ...(r.chance(0.7) ? { tone: r.pick(['info', 'ok', 'warn', 'danger'] as const) } : {}),
    ...(r.chance(0.8)
      ? { blocks: Array.from({ length: r.maxed ? 6 : r.int(0, 8) }, () => randomBlock(r)) }
      : {}),
    ...(buttons.length ? { buttons } : {}),
    ...(r.chance(0.2)
      ? { attachments: [{ filename: 'chart.png', contentType: 'image/png', path: 'chart.png' }] }
      : {}),
  };
}

/** What a rendering shows, flattened for the loss check. */
export interface RenderedView {
  /** Every visible text except titles and headers, in order. */
  body: string[];
  titles: string[];
  buttons: { id?: string; url?: string; label: string }[];
  files: OutFile[];
}

/** How a platform writes the model's text. */
export interface Dialect {
  markdown: (s: string) => string;
  /** Plain text escaped for a place that reads markup. */
  escape: (s: string) => string;
  /** One line of a code block or table as it appears inside the fence. */
  codeLine: (s: string) => string;
  /** A field label as shown. */
  label: (s: string) => string;
}

const norm = (s: string) => s.replace(/[\s\u200b]+/g, '');
const shownAs = (shown: string, full: string) =>
  shown === full || (shown.endsWith('…') && full.startsWith(shown.slice(0, -1)));

/** Everything of `m` that the view neither shows nor announces as trimmed (with a file or a note). */
export function lostContent(m: Message, v: RenderedView, d: Dialect): string[] {
  const lost: string[] = [];
  const body = norm(v.body.join(''));
  const has = (s: string) => body.includes(norm(s));
  const fileTexts = v.files.map((f) => norm(f.content ?? ''));
  const filed = (s: string) => fileTexts.some((f) => f.includes(norm(s)));
  if (m.header && plain(m.header)) {
    const h = plain(m.header);
    if (!v.titles.some((t) => t.includes(h)) && !has(d.escape(h))) lost.push(`header "${h.slice(0, 40)}"`);
  }
  if (!m.blocks?.length && !has(d.markdown(m.text))) lost.push('text');
  (m.blocks ?? []).forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (b.type === 'text' && !has(d.markdown(b.text))) lost.push(`${at} text`);
    if (b.type === 'fields') {
      b.fields.forEach((f, j) => {
        if (!has(d.label(plain(f.label))) || !has(d.markdown(f.value))) lost.push(`${at}.fields[${j}]`);
      });
    }
    if (b.type === 'code') {
      const whole = b.code.split('\n').map(d.codeLine).join('\n');
      const file = v.files.some((f) => f.content === b.code);
      if (!has(whole) && !(file && body.includes('moreline'))) lost.push(`${at} code`);
    }
    if (b.type === 'table') {
      const rows = b.table.rows.map((r) => r.map((c) => plain(c ?? '')).join(''));
      const inFile = rows.every(filed) && body.includes('fulltable');
      if (!inFile) rows.forEach((r, j) => !has(d.codeLine(r)) && lost.push(`${at}.rows[${j}]`));
    }
    if (b.type === 'context') {
      b.items.forEach((c, j) => !has(d.markdown(c)) && !has(plain(c)) && lost.push(`${at}.items[${j}]`));
    }
  });
  const seen = new Set<string>();
  for (const b of m.buttons ?? []) {
    const label = plain(b.label);
    if ('actionId' in b) {
      if (seen.has(b.actionId)) continue;
      seen.add(b.actionId);
      const ok = v.buttons.some((x) => x.id === b.actionId && (label ? shownAs(x.label, label) : true));
      if (!ok && !has('cannot be offered')) lost.push(`button ${b.actionId}`);
    } else if (
      !v.buttons.some((x) => x.url === b.url && (label ? shownAs(x.label, label) : true)) &&
      !has(b.url)
    ) {
      lost.push(`link ${b.url.slice(0, 40)}`);
    }
  }
  for (const a of m.attachments ?? []) {
    if (!v.files.some((f) => f.filename === a.filename)) lost.push(`attachment ${a.filename}`);
  }
  return lost;
}
