/**
 * Discord's message, embed and component limits, and a checker that names every one a payload
 * breaks. Discord answers a broken payload with a 400 and a nested error tree; the renderer's
 * tests check its output here first.
 */
export const DISCORD = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  /** Title, description, field names and values, footer and author of all embeds of a message. */
  embedsTotal: 6000,
  rows: 5,
  rowButtons: 5,
  label: 80,
  customId: 100,
  url: 512,
} as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The characters of an embed that count toward the per-message total. */
export function embedLength(e: unknown): number {
  if (!isObj(e)) return 0;
  const fields = Array.isArray(e.fields) ? e.fields : [];
  return (
    str(e.title).length +
    str(e.description).length +
    fields.reduce((n: number, f) => n + (isObj(f) ? str(f.name).length + str(f.value).length : 0), 0) +
    (isObj(e.footer) ? str(e.footer.text).length : 0) +
    (isObj(e.author) ? str(e.author.name).length : 0)
  );
}

export function discordPayloadProblems(msg: {
  content?: string;
  embeds?: unknown[];
  components?: unknown[];
}): string[] {
  const p: string[] = [];
  const content: unknown = msg.content;
  if (content !== undefined && typeof content !== 'string') p.push('content: not a string');
  const text = str(content);
  if (text.length > DISCORD.content)
    p.push(`content: ${text.length} characters, more than ${DISCORD.content}`);
  const embeds: unknown[] = Array.isArray(msg.embeds) ? msg.embeds : [];
  const rows: unknown[] = Array.isArray(msg.components) ? msg.components : [];
  if (!text.trim() && embeds.length === 0 && rows.length === 0)
    p.push('message: no content, embeds or components');
  if (embeds.length > DISCORD.embeds) p.push(`embeds: ${embeds.length}, more than ${DISCORD.embeds}`);
  const total = embeds.reduce((n: number, e) => n + embedLength(e), 0);
  if (total > DISCORD.embedsTotal)
    p.push(`embeds: ${total} characters in all, more than ${DISCORD.embedsTotal}`);
  embeds.forEach((e, i) => checkEmbed(e, `embeds[${i}]`, p));
  if (rows.length > DISCORD.rows) p.push(`components: ${rows.length} rows, more than ${DISCORD.rows}`);
  const ids = new Set<string>();
  rows.forEach((r, i) => {
    const at = `components[${i}]`;
    if (!isObj(r) || r.type !== 1) return void p.push(`${at}: not an action row`);
    const items: unknown[] = Array.isArray(r.components) ? r.components : [];
    if (items.length === 0) p.push(`${at}.components: empty`);
    if (items.length > DISCORD.rowButtons)
      p.push(`${at}.components: ${items.length} buttons, more than ${DISCORD.rowButtons}`);
    items.forEach((b, j) => checkButton(b, `${at}.components[${j}]`, ids, p));
  });
  return p;
}

/** A string that must be present, not blank, and at most `max` long. */
function need(v: unknown, at: string, max: number, p: string[]): void {
  if (typeof v !== 'string') return void p.push(`${at}: missing`);
  if (!v.trim()) p.push(`${at}: empty`);
  if (v.length > max) p.push(`${at}: ${v.length} characters, more than ${max}`);
}

function checkEmbed(e: unknown, at: string, p: string[]): void {
  if (!isObj(e)) return void p.push(`${at}: not an object`);
  if (e.title !== undefined) need(e.title, `${at}.title`, DISCORD.title, p);
  if (e.description !== undefined) need(e.description, `${at}.description`, DISCORD.description, p);
  if (e.footer !== undefined)
    need(isObj(e.footer) ? e.footer.text : undefined, `${at}.footer.text`, DISCORD.footer, p);
  if (e.author !== undefined)
    need(isObj(e.author) ? e.author.name : undefined, `${at}.author.name`, DISCORD.author, p);
  if (
    e.color !== undefined &&
    !(Number.isInteger(e.color) && (e.color as number) >= 0 && (e.color as number) <= 0xffffff)
  ) {
    p.push(`${at}.color: not a 24-bit colour`);
  }
  const fields: unknown[] = Array.isArray(e.fields) ? e.fields : [];
  if (fields.length > DISCORD.fields) p.push(`${at}.fields: ${fields.length}, more than ${DISCORD.fields}`);
  fields.forEach((f, i) => {
    need(isObj(f) ? f.name : undefined, `${at}.fields[${i}].name`, DISCORD.fieldName, p);
    need(isObj(f) ? f.value : undefined, `${at}.fields[${i}].value`, DISCORD.fieldValue, p);
  });
  if (embedLength(e) === 0 && fields.length === 0) p.push(`${at}: empty embed`);
}

function checkButton(b: unknown, at: string, ids: Set<string>, p: string[]): void {
  if (!isObj(b) || b.type !== 2) return void p.push(`${at}: not a button`);
  if (b.label !== undefined) need(b.label, `${at}.label`, DISCORD.label, p);
  else if (b.emoji === undefined) p.push(`${at}: a button needs a label or an emoji`);
  if (b.style === 5) {
    need(b.url, `${at}.url`, DISCORD.url, p);
    if (b.custom_id !== undefined) p.push(`${at}.custom_id: a link button has none`);
    return;
  }
  if (![1, 2, 3, 4].includes(b.style as number))
    p.push(`${at}.style: ${String(b.style)} is not a button style`);
  if (b.url !== undefined) p.push(`${at}.url: only link buttons have one`);
  need(b.custom_id, `${at}.custom_id`, DISCORD.customId, p);
  if (typeof b.custom_id === 'string') {
    if (ids.has(b.custom_id)) p.push(`${at}.custom_id: "${b.custom_id}" used twice in one message`);
    ids.add(b.custom_id);
  }
}
