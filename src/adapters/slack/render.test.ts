import type { ActionsBlock, Button, ContextBlock, HeaderBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import type { Message } from '../../core/message/model.ts';
import { guardFence } from '../shared/code.ts';
import {
  Rng,
  lostContent,
  randomMessage,
  type Dialect,
  type RenderedView,
} from '../shared/random-message.ts';
import { escapeSlack, toMrkdwn } from './mrkdwn.ts';
import { slackPayloadProblems, toSlack, type SlackRender } from './render.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;
const id = (n: number) => `a_${String(n).padStart(22, '0')}`;

const blocksOf = (r: SlackRender) => r.messages.flatMap((m) => m.blocks);
const sections = (r: SlackRender) => blocksOf(r).filter((b): b is SectionBlock => b.type === 'section');
const sectionTexts = (r: SlackRender) => sections(r).flatMap((s) => (s.text ? [s.text.text] : []));
const buttons = (r: SlackRender) =>
  blocksOf(r)
    .filter((b): b is ActionsBlock => b.type === 'actions')
    .flatMap((b) => b.elements as Button[]);
const valid = (r: SlackRender) => r.messages.forEach((m) => expect(slackPayloadProblems(m)).toEqual([]));

describe('toSlack', () => {
  it('renders a message with only text as one section, with the text as fallback', () => {
    const r = toSlack({ text: 'naver-news is **Healthy**' });
    expect(r).toEqual({
      messages: [
        {
          text: 'naver-news is *Healthy*',
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'naver-news is *Healthy*' } }],
        },
      ],
      files: [],
    });
  });

  it('puts the header in a header block, led by the tone emoji', () => {
    const r = toSlack({
      text: 'fallback',
      header: 'naver-news — **status**',
      tone: 'danger',
      blocks: [{ type: 'text', text: 'body' }],
    });
    expect(r.messages[0]?.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '🚨 naver-news — status', emoji: true },
    });
    expect(r.messages[0]?.text).toBe('fallback');
  });

  it('cuts a header longer than 150 characters and repeats it in full below', () => {
    const long = 'h'.repeat(400);
    const r = toSlack({ text: 't', header: long, blocks: [{ type: 'divider' }] });
    const header = r.messages[0]?.blocks[0] as HeaderBlock;
    expect(header.text.text).toHaveLength(150);
    expect(header.text.text.endsWith('…')).toBe(true);
    expect(sectionTexts(r)).toContain(`*${long}*`);
    valid(r);
  });

  it('marks the tone on the first section when there is no header', () => {
    const r = toSlack({ text: 'all good', tone: 'ok' });
    expect(sectionTexts(r)).toEqual(['✅ all good']);
  });

  it('splits fields into sections of at most ten, and gives an overlong field a section of its own', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `L${i}`, value: `v${i}` }));
    const r = toSlack({
      text: 't',
      blocks: [{ type: 'fields', fields: [...fields, { label: 'big', value: 'x'.repeat(2500) }] }],
    });
    const s = sections(r);
    expect(s.map((b) => b.fields?.length)).toEqual([10, 10, 3, undefined]);
    expect(s[0]?.fields?.[0]).toEqual({ type: 'mrkdwn', text: '*L0*\nv0' });
    expect(s[3]?.text?.text).toBe(`*big*\n${'x'.repeat(2500)}`);
    valid(r);
  });

  it('trims a 5000-line log to one section with a "more lines" note and attaches it in full', () => {
    const log = Array.from(
      { length: 5000 },
      (_, i) => `2024-05-01T10:00:${String(i % 60).padStart(2, '0')}Z line ${i} <ok> & done`,
    ).join('\n');
    const r = toSlack({
      text: 'logs',
      blocks: [{ type: 'code', code: log, title: 'api-7d9/app', language: 'log' }],
    });
    const [text] = sectionTexts(r);
    expect(text?.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/^\*api-7d9\/app\*\n```\n2024-05-01T10:00:00Z line 0 &lt;ok&gt; &amp; done\n/);
    expect(text).toMatch(/```\n… 4,9\d\d more lines — full text in `api-7d9-app\.log`$/);
    expect(r.files).toEqual([
      { filename: 'api-7d9-app.log', title: 'api-7d9/app', content: log, contentType: 'text/plain' },
    ]);
    valid(r);
  });

  it('keeps code that fits whole, without a file, and cannot be closed early by backticks inside', () => {
    const r = toSlack({ text: 't', blocks: [{ type: 'code', code: 'a ``` b' }] });
    expect(sectionTexts(r)).toEqual(['```\na ``\u200b` b\n```']);
    expect(r.files).toEqual([]);
  });

  it('pages a 500-app list, each page starting with the header row, numbers right-aligned', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [
      `team-${i % 7}/app-${i}`,
      'Synced',
      i % 9 ? 'Healthy' : 'Degraded',
      String(i * 3),
    ]);
    const r = toSlack({
      text: '500 apps',
      header: 'Applications',
      blocks: [
        {
          type: 'table',
          table: {
            columns: ['app', 'sync', 'health', 'restarts'],
            rows,
            align: ['left', 'left', 'left', 'right'],
          },
        },
      ],
    });
    valid(r);
    expect(r.messages.length).toBeGreaterThan(1);
    const pages = sectionTexts(r);
    for (const p of pages) expect(p).toMatch(/^```\napp\s+sync\s+health\s+restarts\n─+/);
    const shown = pages.join('\n');
    for (const [app] of rows) expect(shown).toContain(`${app} `);
    expect(shown).toMatch(/\nteam-0\/app-0 +Synced +Degraded +0\n/);
    // right alignment: the last column ends at the same place on every row
    const lines = pages[0]?.split('\n').slice(3, 10) ?? [];
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    // the continuation messages say which page they are
    expect(r.messages[1]?.text).toBe(`500 apps (2/${r.messages.length})`);
  });

  it('cuts a table beyond its budget, says how many rows were left out and attaches it whole', () => {
    const rows = Array.from({ length: 500 }, (_, i) =>
      Array.from({ length: 8 }, (_, j) => `row ${i} cell ${j} ${'w'.repeat(40)}`),
    );
    const r = toSlack({
      text: 't',
      blocks: [{ type: 'table', title: 'wide', table: { columns: 'abcdefgh'.split(''), rows } }],
    });
    valid(r);
    const notes = blocksOf(r).filter((b): b is ContextBlock => b.type === 'context');
    expect(JSON.stringify(notes)).toMatch(/… \d+ more rows — full table in `wide.txt`/);
    expect(r.files[0]?.filename).toBe('wide.txt');
    expect(r.files[0]?.content).toContain('row 499 cell 7');
    expect(sectionTexts(r)[0]).toMatch(/^\*wide \(1\/\d+\)\*\n```\na/);
  });

  it('splits long text across sections and messages', () => {
    const text = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    const r = toSlack({ text: 'fallback', blocks: [{ type: 'text', text }] });
    valid(r);
    expect(sectionTexts(r).join(' ')).toBe(text);
    expect(r.messages.length).toBe(2);
  });

  it('chunks buttons into actions blocks of 25, routed by the opaque action id', () => {
    const list = Array.from({ length: 60 }, (_, i) => ({
      actionId: id(i),
      label: `Approve ${i}`,
      style: i % 2 ? ('danger' as const) : ('primary' as const),
    }));
    const r = toSlack({ text: 't', buttons: [...list, { actionId: id(0), label: 'again' }] });
    const actions = blocksOf(r).filter((b): b is ActionsBlock => b.type === 'actions');
    expect(actions.map((a) => a.elements.length)).toEqual([25, 25, 10]);
    expect(buttons(r)[1]).toEqual({
      type: 'button',
      text: { type: 'plain_text', text: 'Approve 1', emoji: true },
      action_id: id(1),
      value: id(1),
      style: 'danger',
    });
    expect(buttons(r).every((b) => ACTION_ID.test(b.action_id ?? ''))).toBe(true);
    valid(r);
  });

  it('renders link buttons with their URL and an id the adapter does not route', () => {
    const r = toSlack({
      text: 't',
      buttons: [
        { url: 'https://argo.example/applications/naver-news', label: 'Open in Argo CD' },
        { actionId: id(1), label: 'L'.repeat(100) },
      ],
    });
    const [link, action] = buttons(r);
    expect(link).toMatchObject({
      url: 'https://argo.example/applications/naver-news',
      text: { text: 'Open in Argo CD' },
    });
    expect(link?.value).toBeUndefined();
    expect(ACTION_ID.test(link?.action_id ?? '')).toBe(false);
    expect(action?.text.text).toBe('L'.repeat(74) + '…');
    valid(r);
  });

  it('says what it cannot show as a button', () => {
    const r = toSlack({
      text: 't',
      buttons: [{ url: `https://x.example/${'p'.repeat(3100)}`, label: 'huge' }],
    });
    expect(buttons(r)).toEqual([]);
    expect(sectionTexts(r).join('')).toContain('huge: https://x.example/ppp');
    valid(r);
  });

  it('points a trimmed log tail at the attached log instead of uploading the lines again', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `10:00:00Z line ${i} ${'x'.repeat(80)}`);
    const tail = ['… 4,940 more lines', ...lines.slice(-60)].join('\n');
    const r = toSlack({
      text: 'logs',
      blocks: [{ type: 'code', code: tail, title: 'web-1/app' }],
      attachments: [{ filename: 'web-1-app.log', contentType: 'text/plain', content: lines.join('\n') }],
    });
    expect(r.files.map((f) => f.filename)).toEqual(['web-1-app.log']);
    expect(sectionTexts(r)[0]).toMatch(/full text in `web-1-app\.log`$/);
    valid(r);
  });

  it('closes the first message with the footer, keeping room for it on a full page', () => {
    const blocks = Array.from({ length: 120 }, (_, i) => ({ type: 'text' as const, text: `line ${i}` }));
    const r = toSlack({ text: 'many', blocks }, { footer: 'asked by <@U0BOB>' });
    expect(r.messages[0]?.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'asked by <@U0BOB>' }],
    });
    expect(r.messages.slice(1).some((p) => JSON.stringify(p.blocks).includes('asked by'))).toBe(false);
    expect(r.messages.flatMap((p) => p.blocks)).toHaveLength(121);
    valid(r);
  });

  it('hands attachments to the adapter as files', () => {
    const r = toSlack({
      text: 't',
      attachments: [{ filename: 'cpu.png', contentType: 'image/png', path: 'cpu.png', title: 'CPU' }],
    });
    expect(r.files).toEqual([
      { filename: 'cpu.png', contentType: 'image/png', path: 'cpu.png', title: 'CPU' },
    ]);
  });

  it('renders context lines, at most ten elements per block', () => {
    const r = toSlack({
      text: 't',
      blocks: [
        { type: 'context', items: Array.from({ length: 12 }, (_, i) => `item ${i}`) },
        { type: 'divider' },
      ],
    });
    expect(blocksOf(r).map((b) => (b.type === 'context' ? b.elements.length : b.type))).toEqual([
      10,
      2,
      'divider',
    ]);
  });
});

describe('toMrkdwn', () => {
  it('converts the inline subset and escapes Slack control characters', () => {
    expect(toMrkdwn('**b** _i_ `c <x>` [Argo CD](https://argo.example/a?x=1&y=2) <!channel> & 1 > 0')).toBe(
      '*b* _i_ `c &lt;x&gt;` <https://argo.example/a?x=1&amp;y=2|Argo CD> &lt;!channel&gt; &amp; 1 &gt; 0',
    );
  });
  it('turns model escapes into the bare character and keeps links from breaking out', () => {
    expect(toMrkdwn('a\\*b\\_c \\[d\\]')).toBe('a*b_c [d]');
    expect(toMrkdwn('[a|b](https://x.example/p|q>)')).toBe('<https://x.example/p%7Cq%3E|a|b>');
    expect(toMrkdwn('**[l](https://u.example)**')).toBe('*<https://u.example|l>*');
  });
});

const slackDialect: Dialect = {
  markdown: toMrkdwn,
  escape: escapeSlack,
  codeLine: (s) => guardFence(escapeSlack(s)),
  label: escapeSlack,
};

function slackView(r: SlackRender): RenderedView {
  const v: RenderedView = { body: [], titles: [], buttons: [], files: r.files };
  for (const b of blocksOf(r)) {
    if (b.type === 'header') v.titles.push(b.text.text);
    if (b.type === 'section') v.body.push(b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text));
    if (b.type === 'context') v.body.push(...b.elements.map((e) => ('text' in e ? e.text : '')));
    if (b.type === 'actions') {
      for (const e of b.elements as Button[])
        v.buttons.push({ id: e.action_id, url: e.url, label: e.text.text });
    }
  }
  return v;
}

describe('toSlack on 500 random messages of any size', () => {
  it('always produces valid payloads and loses nothing without a note or a file', () => {
    const failures: string[] = [];
    let messages = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const rng = new Rng(seed);
      rng.maxed = seed <= 3; // the first few are as large as the generator goes
      const m: Message = randomMessage(rng);
      const r = toSlack(m);
      messages += r.messages.length;
      r.messages.forEach((p, i) =>
        slackPayloadProblems(p).forEach((x) => failures.push(`seed ${seed} message ${i}: ${x}`)),
      );
      lostContent(m, slackView(r), slackDialect).forEach((x) => failures.push(`seed ${seed}: lost ${x}`));
      // With a footer (who asked) closing the first message, every message is still valid.
      toSlack(m, { footer: 'asked by <@U0BOB>' }).messages.forEach((p, i) =>
        slackPayloadProblems(p).forEach((x) => failures.push(`seed ${seed} footer message ${i}: ${x}`)),
      );
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
    expect(messages).toBeGreaterThan(500);
  }, 120_000);
});
