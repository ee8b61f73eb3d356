/**
 * Block Kit for each kind of block in the message model. Every builder returns blocks that are
 * valid on their own (see problems.ts); toSlack arranges them into messages.
 */
import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  SectionBlock,
} from '@slack/types';
import type { Block, Field, Message, Table, Tone } from '../../core/message/model.ts';
import { isActionButton } from '../../core/message/model.ts';
import { chunkText, clip } from '../shared/chunk.ts';
import { fitCode, guardFence, moreLines } from '../shared/code.ts';
import type { FileSet } from '../shared/files.ts';
import { pageTable, tableLines } from '../shared/table.ts';
import { MRKDWN_ATOM, escapeSlack, toMrkdwn, toPlain } from './mrkdwn.ts';
import { SLACK } from './problems.ts';

export type SlackBlock = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

export const toneEmoji: Record<Tone, string> = { ok: '✅', warn: '⚠️', danger: '🚨', info: 'ℹ️' };

/** Texts grouped into one fields section or context block stay within this many characters. */
const GROUP_CHARS = 3000;
/** Tables longer than this are cut (and attached in full) rather than paged on and on. */
const TABLE_CHARS = 30_000;
const CELL_CHARS = 60;
const TITLE_CHARS = 150;
/** Room for the `… N more lines — full text in `file`` note under a trimmed block. */
const NOTE_CHARS = 130;

const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** mrkdwn text as as many sections as it needs. */
export const textSections = (mrkdwn: string): SectionBlock[] =>
  chunkText(mrkdwn, SLACK.text, MRKDWN_ATOM).map(section);

export function headerBlocks(m: Message): SlackBlock[] {
  if (!m.header) return [];
  const plain = toPlain(m.header);
  if (!plain) return [];
  const full = m.tone ? `${toneEmoji[m.tone]} ${plain}` : plain;
  const header: HeaderBlock = {
    type: 'header',
    text: { type: 'plain_text', text: clip(full, SLACK.header), emoji: true },
  };
  // A header too long for its block is repeated in full below it.
  return full.length > SLACK.header ? [header, ...textSections(`*${escapeSlack(plain)}*`)] : [header];
}

const titleLine = (title: string | undefined) => {
  const t = title ? toPlain(title) : '';
  return t ? `*${escapeSlack(clip(t, TITLE_CHARS))}*\n` : '';
};
const codeEscape = (s: string) => guardFence(escapeSlack(s));
const fenced = (body: string) => '```\n' + body + '\n```';

export function blockToSlack(b: Block, files: FileSet): SlackBlock[] {
  switch (b.type) {
    case 'text':
      return textSections(toMrkdwn(b.text));
    case 'fields':
      return fieldBlocks(b.fields);
    case 'code':
      return [codeSection(b.code, b.title, b.language, files)];
    case 'table':
      return tableBlocks(b.table, b.title, files);
    case 'context':
      return contextBlocks(b.items.map(toMrkdwn));
    case 'divider':
      return [{ type: 'divider' }];
  }
}

function fieldText(f: Field): string {
  const label = toPlain(f.label);
  const value = toMrkdwn(f.value).trim();
  return [label ? `*${escapeSlack(label)}*` : '', value].filter(Boolean).join('\n') || '–';
}

/** Fields as two-column sections; a field too long for the grid becomes a section of its own. */
function fieldBlocks(fields: Field[]): SlackBlock[] {
  const out: SlackBlock[] = [];
  let run: string[] = [];
  let size = 0;
  const flush = () => {
    if (run.length) out.push({ type: 'section', fields: run.map((text) => ({ type: 'mrkdwn', text })) });
    run = [];
    size = 0;
  };
  for (const f of fields) {
    const text = fieldText(f);
    if (text.length > SLACK.field) {
      flush();
      out.push(...textSections(text));
      continue;
    }
    if (run.length === SLACK.fields || (run.length && size + text.length > GROUP_CHARS)) flush();
    run.push(text);
    size += text.length;
  }
  flush();
  return out;
}

function codeSection(
  code: string,
  title: string | undefined,
  language: string | undefined,
  files: FileSet,
): SectionBlock {
  const head = titleLine(title);
  const room = SLACK.text - head.length - fenced('').length;
  let fit = fitCode(code, room, codeEscape);
  if (fit.omittedLines === 0) return section(head + fenced(fit.text));
  fit = fitCode(code, room - NOTE_CHARS, codeEscape);
  // A block that shows part of an attached file (the tail of a log) points at that file rather
  // than uploading the same lines a second time.
  const shown = withoutTrimNote(code);
  const name =
    files.files.find((f) => f.content !== undefined && f.content.includes(shown))?.filename ??
    files.addText({ title, fallback: 'code', language, content: code });
  return section(`${head}${fenced(fit.text)}\n… ${moreLines(fit.omittedLines)} — full text in \`${name}\``);
}

/** Code without the `… N more lines` line a plugin put at its start or end when it cut it. */
function withoutTrimNote(code: string): string {
  const note = /^… [\d,]+ more lines?$/;
  const lines = code.split('\n');
  if (lines.length > 1 && note.test(lines[0] as string)) lines.shift();
  if (lines.length > 1 && note.test(lines.at(-1) as string)) lines.pop();
  return lines.join('\n');
}

function tableBlocks(t: Table, title: string | undefined, files: FileSet): SlackBlock[] {
  const head = titleLine(title);
  const pageChars = SLACK.text - head.length - fenced('').length - 12;
  const paged = pageTable(t, {
    cellChars: CELL_CHARS,
    pageChars,
    totalChars: TABLE_CHARS,
    escape: escapeSlack,
  });
  const n = paged.pages.length;
  const out: SlackBlock[] = paged.pages.map((p, i) => {
    const h = head && n > 1 ? head.replace(/\*\n$/, ` (${i + 1}/${n})*\n`) : head;
    return section(h + fenced(p));
  });
  if (paged.omittedRows || paged.clipped) {
    const { head: cols, body } = tableLines(t);
    const name = files.addText({ title, fallback: 'table', content: [...cols, ...body].join('\n') + '\n' });
    const what = paged.omittedRows ? `… ${moreLines(paged.omittedRows, 'row')}` : 'Some cells were cut';
    out.push(...contextBlocks([`${what} — full table in \`${name}\``]));
  }
  return out;
}

/** Context lines, at most ten elements per block, each within the text limit. */
export function contextBlocks(items: string[]): ContextBlock[] {
  const out: ContextBlock[] = [];
  let run: string[] = [];
  let size = 0;
  const flush = () => {
    if (run.length) out.push({ type: 'context', elements: run.map((text) => ({ type: 'mrkdwn', text })) });
    run = [];
    size = 0;
  };
  for (const text of items.flatMap((i) => chunkText(i, SLACK.text, MRKDWN_ATOM))) {
    if (run.length === SLACK.contextElements || (run.length && size + text.length > GROUP_CHARS)) flush();
    run.push(text);
    size += text.length;
  }
  flush();
  return out;
}

/**
 * Buttons as actions blocks of up to 25. An action button's `action_id` is the model's opaque
 * action id, which the adapter routes presses by; link buttons get ids that cannot match it.
 * What Slack cannot show as a button (an overlong id or URL) is said in a section instead.
 */
export function buttonBlocks(buttons: Message['buttons']): SlackBlock[] {
  const elements: Button[] = [];
  const leftover: string[] = [];
  const seen = new Set<string>();
  for (const b of buttons ?? []) {
    const label = toPlain(b.label) || (isActionButton(b) ? 'Run' : 'Open');
    const text = { type: 'plain_text' as const, text: clip(label, SLACK.buttonText), emoji: true };
    if (isActionButton(b)) {
      if (seen.has(b.actionId)) continue; // the same action offered twice is offered once
      seen.add(b.actionId);
      if (b.actionId.length > SLACK.actionId) {
        leftover.push(
          `“${escapeSlack(label)}” cannot be offered as a Slack button (its action id is too long).`,
        );
        continue;
      }
      elements.push({
        type: 'button',
        text,
        action_id: b.actionId,
        value: b.actionId,
        ...(b.style ? { style: b.style } : {}),
      });
    } else if (b.url.length > SLACK.url) {
      leftover.push(`${escapeSlack(label)}: ${escapeSlack(b.url)}`);
    } else {
      elements.push({ type: 'button', text, url: b.url, action_id: `link-${elements.length}` });
    }
  }
  const out: SlackBlock[] = leftover.length ? textSections(leftover.join('\n')) : [];
  for (let i = 0; i < elements.length; i += SLACK.actionsElements) {
    out.push({ type: 'actions', elements: elements.slice(i, i + SLACK.actionsElements) });
  }
  return out;
}
