/**
 * The message model as Slack Block Kit. Pure: one model message becomes one or more Slack messages
 * (paged when the blocks outgrow one) and the files to upload beside them. Every payload keeps
 * within the limits in problems.ts, which the tests check on random messages of any size.
 */
import type { Message } from '../../core/message/model.ts';
import { clipEscaped } from '../shared/chunk.ts';
import { FileSet, type OutFile } from '../shared/files.ts';
import {
  blockToSlack,
  buttonBlocks,
  contextBlocks,
  headerBlocks,
  textSections,
  toneEmoji,
  type SlackBlock,
} from './blocks.ts';
import { toMrkdwn, toPlain } from './mrkdwn.ts';
import { SLACK, blockTextLength } from './problems.ts';

export type { SlackBlock } from './blocks.ts';
export { slackPayloadProblems } from './problems.ts';

export interface SlackMessage {
  /** The notification and fallback text; the blocks carry the body. */
  text: string;
  blocks: SlackBlock[];
}

export interface SlackRender {
  messages: SlackMessage[];
  /** Attachments, and the full text of blocks that had to be trimmed; uploaded after the messages. */
  files: OutFile[];
}

/** Fallback text stays short: it is what notifications show, not the body. */
const FALLBACK_CHARS = 3000;

export interface RenderOptions {
  /** A context line closing the first message (e.g. who asked, when Slack does not show it). */
  footer?: string;
}

export function toSlack(m: Message, o: RenderOptions = {}): SlackRender {
  const files = new FileSet();
  for (const a of m.attachments ?? []) files.attach(a);
  const body = m.blocks?.length
    ? m.blocks.flatMap((b) => blockToSlack(b, files))
    : textSections(toMrkdwn(m.text));
  const blocks = [...headerBlocks(m), ...body, ...buttonBlocks(m.buttons)];
  if (m.tone && !blocks.some((b) => b.type === 'header')) markTone(blocks, toneEmoji[m.tone]);
  if (blocks.length === 0)
    blocks.push(...textSections(files.files.length ? '_(see the attached files)_' : '_(empty message)_'));
  const footer = o.footer ? contextBlocks([o.footer]).slice(0, 1) : [];
  const pages = paginate(blocks, footer.length ? { blocks: 1, text: blockTextLength(footer) } : undefined);
  pages[0]?.push(...footer);
  const first = fallbackText(m);
  return {
    messages: pages.map((b, i) => ({
      text: i === 0 ? first : `${clipEscaped(first.split('\n')[0] ?? '', 150)} (${i + 1}/${pages.length})`,
      blocks: b,
    })),
    files: files.files,
  };
}

/** Without a header, the tone's emoji leads the first section, or a context line of its own. */
function markTone(blocks: SlackBlock[], emoji: string): void {
  const first = blocks[0];
  if (first?.type === 'section' && first.text && first.text.text.length + emoji.length + 1 <= SLACK.text) {
    first.text = { ...first.text, text: `${emoji} ${first.text.text}` };
  } else {
    blocks.unshift({ type: 'context', elements: [{ type: 'mrkdwn', text: emoji }] });
  }
}

/**
 * Greedy paging: a new message when the next block would break the block count or the text budget.
 * `reserve` keeps room on the first page for blocks added after paging.
 */
function paginate(blocks: SlackBlock[], reserve = { blocks: 0, text: 0 }): SlackBlock[][] {
  const pages: SlackBlock[][] = [];
  let page: SlackBlock[] = [];
  let size = 0;
  for (const b of blocks) {
    const n = blockTextLength(b);
    const room = pages.length ? { blocks: 0, text: 0 } : reserve;
    if (
      page.length &&
      (page.length >= SLACK.blocks - room.blocks || size + n > SLACK.messageText - room.text)
    ) {
      pages.push(page);
      page = [];
      size = 0;
    }
    page.push(b);
    size += n;
  }
  if (page.length) pages.push(page);
  return pages;
}

function fallbackText(m: Message): string {
  const text = toMrkdwn(m.text).trim() || (m.header ? toPlain(m.header) : '') || 'deckhand';
  return clipEscaped(text, FALLBACK_CHARS);
}
