/**
 * Block Kit's limits, and a checker that names every one a payload breaks. Slack answers a broken
 * payload with a bare `invalid_blocks` (or `msg_blocks_too_long`), so the renderer's tests check
 * its output here first.
 */
export const SLACK = {
  blocks: 50,
  /** The top-level `text` is cut by Slack beyond this. */
  fallback: 40_000,
  /** Any text object (section text, context element). */
  text: 3000,
  header: 150,
  field: 2000,
  fields: 10,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  value: 2000,
  url: 3000,
  blockId: 255,
  /**
   * Slack refuses messages whose blocks carry roughly 12,000 characters of text in all
   * (`msg_blocks_too_long`, undocumented; reported failing from about 11,300). We stay under 10,000.
   */
  messageText: 10_000,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The characters of text a block carries: every `text` string inside it. */
export function blockTextLength(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + blockTextLength(x), 0);
  if (!isObj(v)) return 0;
  let n = 0;
  for (const [k, x] of Object.entries(v))
    n += k === 'text' && typeof x === 'string' ? x.length : blockTextLength(x);
  return n;
}

export function slackPayloadProblems(msg: { text: string; blocks: unknown[] }): string[] {
  const p: string[] = [];
  const text: unknown = msg.text;
  if (typeof text !== 'string') p.push('text: missing');
  else if (text.length > SLACK.fallback)
    p.push(`text: ${text.length} characters, more than ${SLACK.fallback}`);
  const blocks: unknown = msg.blocks;
  if (!Array.isArray(blocks)) return [...p, 'blocks: not an array'];
  if (blocks.length === 0 && (typeof text !== 'string' || !text.trim()))
    p.push('message: neither text nor blocks');
  if (blocks.length > SLACK.blocks) p.push(`blocks: ${blocks.length} blocks, more than ${SLACK.blocks}`);
  const total = blockTextLength(blocks);
  if (total > SLACK.messageText)
    p.push(`blocks: ${total} characters of text in all, more than ${SLACK.messageText}`);
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `blocks[${i}]`;
    if (!isObj(b)) return void p.push(`${at}: not an object`);
    if (b.block_id !== undefined) {
      if (typeof b.block_id !== 'string' || b.block_id.length > SLACK.blockId)
        p.push(`${at}.block_id: not a string of at most ${SLACK.blockId}`);
      else if (ids.has(b.block_id)) p.push(`${at}.block_id: "${b.block_id}" used twice`);
      else ids.add(b.block_id);
    }
    checkBlock(b, at, p);
  });
  return p;
}

function checkText(o: unknown, at: string, max: number, p: string[], kinds = ['mrkdwn', 'plain_text']): void {
  if (!isObj(o)) return void p.push(`${at}: missing text object`);
  if (typeof o.type !== 'string' || !kinds.includes(o.type))
    p.push(`${at}.type: "${String(o.type)}", expected ${kinds.join(' or ')}`);
  if (typeof o.text !== 'string') return void p.push(`${at}.text: missing`);
  if (!o.text.trim()) p.push(`${at}.text: empty`);
  if (o.text.length > max) p.push(`${at}.text: ${o.text.length} characters, more than ${max}`);
}

function checkList(v: unknown, at: string, max: number, p: string[]): unknown[] {
  if (!Array.isArray(v)) return (p.push(`${at}: not an array`), []);
  if (v.length === 0) p.push(`${at}: empty`);
  if (v.length > max) p.push(`${at}: ${v.length} items, more than ${max}`);
  return v;
}

function checkBlock(b: Obj, at: string, p: string[]): void {
  switch (b.type) {
    case 'header':
      return checkText(b.text, `${at}.text`, SLACK.header, p, ['plain_text']);
    case 'section':
      if (b.text === undefined && b.fields === undefined)
        return void p.push(`${at}: a section needs text or fields`);
      if (b.text !== undefined) checkText(b.text, `${at}.text`, SLACK.text, p);
      if (b.fields !== undefined) {
        checkList(b.fields, `${at}.fields`, SLACK.fields, p).forEach((f, i) =>
          checkText(f, `${at}.fields[${i}]`, SLACK.field, p),
        );
      }
      return;
    case 'context':
      return checkList(b.elements, `${at}.elements`, SLACK.contextElements, p).forEach((e, i) => {
        if (!(isObj(e) && e.type === 'image')) checkText(e, `${at}.elements[${i}]`, SLACK.text, p);
      });
    case 'actions': {
      const ids = new Set<string>();
      return checkList(b.elements, `${at}.elements`, SLACK.actionsElements, p).forEach((e, i) =>
        checkButton(e, `${at}.elements[${i}]`, ids, p),
      );
    }
    case 'divider':
      return;
    default:
      p.push(`${at}.type: "${String(b.type)}" is not a block this renderer emits`);
  }
}

function checkButton(e: unknown, at: string, ids: Set<string>, p: string[]): void {
  if (!isObj(e) || e.type !== 'button') return void p.push(`${at}: not a button`);
  checkText(e.text, `${at}.text`, SLACK.buttonText, p, ['plain_text']);
  const bounded = (k: string, max: number) => {
    const v = e[k];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > max)
      p.push(`${at}.${k}: must be 1 to ${max} characters`);
  };
  bounded('action_id', SLACK.actionId);
  bounded('value', SLACK.value);
  bounded('url', SLACK.url);
  if (typeof e.action_id === 'string') {
    if (ids.has(e.action_id)) p.push(`${at}.action_id: "${e.action_id}" used twice in one block`);
    ids.add(e.action_id);
  }
  if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
    p.push(`${at}.style: "${String(e.style)}", expected primary or danger`);
}
