import { ButtonStyle, ComponentType, type APIButtonComponent, type APIEmbed } from 'discord.js';
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
import { escapeDiscord, toDiscordMarkdown } from './markdown.ts';
import { discordPayloadProblems, toDiscord, type DiscordRender } from './render.ts';

const ACTION_ID = /^a_[A-Za-z0-9_-]{20,40}$/;
const id = (n: number) => `a_${String(n).padStart(22, '0')}`;

const embeds = (r: DiscordRender): APIEmbed[] => r.messages.flatMap((m) => m.embeds);
const descriptions = (r: DiscordRender) => embeds(r).flatMap((e) => (e.description ? [e.description] : []));
const buttons = (r: DiscordRender): APIButtonComponent[] =>
  r.messages.flatMap((m) => m.components.flatMap((row) => row.components));
const valid = (r: DiscordRender) => r.messages.forEach((m) => expect(discordPayloadProblems(m)).toEqual([]));

describe('toDiscord', () => {
  it('sends a message with only text as content, mentioning no one', () => {
    expect(toDiscord({ text: 'naver-news is **Healthy** @everyone' })).toEqual({
      messages: [
        {
          content: 'naver-news is **Healthy** @everyone',
          embeds: [],
          components: [],
          allowed_mentions: { parse: [] },
        },
      ],
      files: [],
    });
  });

  it('splits long plain text into several messages of at most 2000 characters', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `word${i}`).join(' ');
    const r = toDiscord({ text });
    valid(r);
    expect(r.messages.length).toBe(4);
    expect(r.messages.map((m) => m.content).join(' ')).toBe(text);
  });

  it('puts the header in the title and colours the embed by tone', () => {
    const r = toDiscord({
      text: 'fallback',
      header: 'naver-news — **status**',
      tone: 'danger',
      blocks: [{ type: 'text', text: 'Degraded: _OOMKilled_' }],
    });
    expect(embeds(r)).toEqual([
      { title: 'naver-news — status', color: 0xed4245, description: 'Degraded: _OOMKilled_' },
    ]);
    expect(toDiscord({ text: 'x', tone: 'ok' }).messages[0]?.embeds[0]?.color).toBe(0x57f287);
    expect(toDiscord({ text: 'x', tone: 'warn' }).messages[0]?.embeds[0]?.color).toBe(0xf0b232);
    expect(toDiscord({ text: 'x', tone: 'info' }).messages[0]?.embeds[0]?.color).toBe(0x5865f2);
  });

  it('cuts a header longer than a title holds and repeats it in full', () => {
    const long = 'h'.repeat(400);
    const r = toDiscord({ text: 't', header: long });
    expect(embeds(r)[0]?.title).toBe('h'.repeat(255) + '…');
    expect(descriptions(r)[0]).toBe(`**${long}**\nt`);
    valid(r);
  });

  it('pages long text over embeds and messages, naming continued pages', () => {
    const text = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ');
    const r = toDiscord({ text: 'fallback', header: 'Report', blocks: [{ type: 'text', text }] });
    valid(r);
    expect(descriptions(r).join(' ')).toBe(text);
    expect(r.messages.length).toBeGreaterThan(1);
    expect(r.messages[1]?.embeds[0]?.title).toBe('Report (continued)');
  });

  it('renders fields inline when short, 25 to an embed, continuing long values', () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({
      label: `L${i}`,
      value: `v${i}`,
      short: i % 2 === 0,
    }));
    const r = toDiscord({
      text: 't',
      header: 'H',
      blocks: [{ type: 'fields', fields: [...fields, { label: 'big', value: 'x'.repeat(1500) }] }],
    });
    valid(r);
    const e = embeds(r);
    expect(e.map((x) => x.fields?.length)).toEqual([25, 7]);
    expect(e[0]?.fields?.slice(0, 2)).toEqual([
      { name: 'L0', value: 'v0', inline: true },
      { name: 'L1', value: 'v1', inline: false },
    ]);
    expect(e[1]?.fields?.slice(5)).toEqual([
      { name: 'big', value: 'x'.repeat(1024), inline: false },
      { name: '\u200b', value: 'x'.repeat(476), inline: false },
    ]);
  });

  it('trims a 5000-line log to one description with a "more lines" note and attaches it in full', () => {
    const log = Array.from(
      { length: 5000 },
      (_, i) => `2024-05-01T10:00:00Z line ${i} **not bold** done`,
    ).join('\n');
    const r = toDiscord({
      text: 'logs',
      header: 'api — logs',
      blocks: [{ type: 'code', code: log, title: 'api-7d9/app', language: 'log' }],
    });
    valid(r);
    const [d] = descriptions(r);
    expect(d?.length).toBeLessThanOrEqual(4096);
    expect(d).toMatch(/^\*\*api-7d9\/app\*\*\n```log\n2024-05-01T10:00:00Z line 0 \*\*not bold\*\* done\n/);
    expect(d).toMatch(/```\n… 4,9\d\d more lines — full text in `api-7d9-app\.log`$/);
    expect(r.files).toEqual([
      { filename: 'api-7d9-app.log', title: 'api-7d9/app', content: log, contentType: 'text/plain' },
    ]);
  });

  it('pages a 500-app list, every page with the header row, and attaches what it cuts', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [
      `team-${i % 7}/app-${i}`,
      'Synced',
      i % 9 ? 'Healthy' : 'Degraded',
      String(i * 3),
    ]);
    const r = toDiscord({
      text: '500 apps',
      header: 'Applications',
      tone: 'ok',
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
    const pages = descriptions(r).filter((d) => d.startsWith('```'));
    for (const p of pages) expect(p).toMatch(/^```\napp\s+sync\s+health\s+restarts\n─+/);
    expect(pages.join('\n')).toMatch(/\nteam-0\/app-0 +Synced +Degraded +0\n/);
    const shown = rows.filter(([app]) => pages.some((p) => p.includes(`${app} `))).length;
    // Discord's 6000 characters a message make 500 rows many messages: the rest is a file.
    const last = descriptions(r).at(-1) ?? '';
    expect(last.endsWith(`\n*… ${500 - shown} more rows — full table in \`table.txt\`*`)).toBe(true);
    expect(r.files[0]?.content).toContain('team-2/app-499');
    expect(r.messages.slice(1).every((m) => m.embeds[0]?.title === 'Applications (continued)')).toBe(true);
  });

  it('shows closing context as the footer, and context elsewhere as a line', () => {
    const r = toDiscord({
      text: 't',
      header: 'H',
      blocks: [
        { type: 'context', items: ['first'] },
        { type: 'divider' },
        { type: 'text', text: 'body' },
        { type: 'context', items: ['synced 2m ago', '[docs](https://d.example)'] },
      ],
    });
    const e = embeds(r);
    expect(e).toHaveLength(2); // the divider starts a new embed
    expect(e[0]?.description).toBe('first');
    expect(e[1]).toMatchObject({
      description: 'body',
      footer: { text: 'synced 2m ago · docs (https://d.example)' },
    });
  });

  it('puts buttons five to a row and 25 to a message, routed by the opaque action id', () => {
    const list = Array.from({ length: 60 }, (_, i) => ({
      actionId: id(i),
      label: `Approve ${i}`,
      ...(i % 3 ? { style: i % 3 === 1 ? ('primary' as const) : ('danger' as const) } : {}),
    }));
    const r = toDiscord({
      text: 'pick',
      header: 'H',
      buttons: [...list, { actionId: id(0), label: 'again' }],
    });
    valid(r);
    expect(r.messages.map((m) => m.components.map((row) => row.components.length))).toEqual([
      [5, 5, 5, 5, 5],
      [5, 5, 5, 5, 5],
      [5, 5],
    ]);
    expect(buttons(r).slice(0, 3)).toEqual([
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Approve 0', custom_id: id(0) },
      { type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Approve 1', custom_id: id(1) },
      { type: ComponentType.Button, style: ButtonStyle.Danger, label: 'Approve 2', custom_id: id(2) },
    ]);
    expect(buttons(r).every((b) => 'custom_id' in b && ACTION_ID.test(b.custom_id))).toBe(true);
  });

  it('renders link buttons with style Link, a URL and no custom_id', () => {
    const r = toDiscord({
      text: 't',
      buttons: [
        { url: 'https://argo.example/applications/naver-news', label: 'Open in Argo CD' },
        { actionId: id(1), label: 'L'.repeat(100) },
      ],
    });
    expect(buttons(r)).toEqual([
      {
        type: ComponentType.Button,
        style: ButtonStyle.Link,
        label: 'Open in Argo CD',
        url: 'https://argo.example/applications/naver-news',
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: 'L'.repeat(79) + '…',
        custom_id: id(1),
      },
    ]);
    valid(r);
  });

  it('says what it cannot show as a button', () => {
    const url = `https://x.example/${'p'.repeat(600)}`;
    const r = toDiscord({
      text: 't',
      buttons: [
        { url, label: 'huge' },
        { actionId: 'a_' + 'x'.repeat(120), label: 'Merge' },
      ],
    });
    expect(buttons(r)).toEqual([]);
    expect(r.messages[0]?.content).toBe(
      `t\nhuge: ${url}\n“Merge” cannot be offered as a Discord button (its action id is too long).`,
    );
    valid(r);
  });

  it('hands attachments to the adapter as files', () => {
    const r = toDiscord({
      text: 't',
      attachments: [{ filename: 'cpu.png', contentType: 'image/png', path: 'cpu.png' }],
    });
    expect(r.files).toEqual([{ filename: 'cpu.png', contentType: 'image/png', path: 'cpu.png' }]);
  });
});

describe('toDiscordMarkdown', () => {
  it('keeps the subset and escapes what Discord would read beyond it', () => {
    expect(
      toDiscordMarkdown('**b** _i_ `c*` [Argo CD](https://a.example/x?y=1) a*b ~~s~~ ||x|| <@123> \\*'),
    ).toBe(
      '**b** _i_ `c*` [Argo CD](https://a.example/x?y=1) a\\*b \\~\\~s\\~\\~ \\|\\|x\\|\\| \\<@123> \\*',
    );
    expect(toDiscordMarkdown('# not a heading\n> not a quote\n-# not subtext\n  ## nor this')).toBe(
      '\\# not a heading\n\\> not a quote\n\\-# not subtext\n  \\## nor this',
    );
  });
  it('stays fast on runs of backslashes with nothing closing', () => {
    const evil = '**' + 'a\\'.repeat(50_000) + ' [x' + '\\'.repeat(50_000);
    const t = performance.now();
    toDiscordMarkdown(evil);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

const discordDialect: Dialect = {
  markdown: toDiscordMarkdown,
  escape: escapeDiscord,
  codeLine: guardFence,
  label: (s) => s,
};

function discordView(r: DiscordRender): RenderedView {
  const v: RenderedView = { body: [], titles: [], buttons: [], files: r.files };
  for (const m of r.messages) {
    v.body.push(m.content ?? '');
    for (const e of m.embeds) {
      if (e.title) v.titles.push(e.title);
      v.body.push(
        e.description ?? '',
        ...(e.fields ?? []).flatMap((f) => [f.name, f.value]),
        e.footer?.text ?? '',
      );
    }
  }
  for (const b of buttons(r)) {
    v.buttons.push({
      id: 'custom_id' in b ? b.custom_id : undefined,
      url: 'url' in b ? b.url : undefined,
      label: 'label' in b ? (b.label ?? '') : '',
    });
  }
  return v;
}

describe('toDiscord on 500 random messages of any size', () => {
  it('always produces valid payloads and loses nothing without a note or a file', () => {
    const failures: string[] = [];
    let messages = 0;
    for (let seed = 1; seed <= 500; seed++) {
      const rng = new Rng(seed);
      rng.maxed = seed <= 3; // the first few are as large as the generator goes
      const m: Message = randomMessage(rng);
      const r = toDiscord(m);
      messages += r.messages.length;
      r.messages.forEach((p, i) =>
        discordPayloadProblems(p).forEach((x) => failures.push(`seed ${seed} message ${i}: ${x}`)),
      );
      lostContent(m, discordView(r), discordDialect).forEach((x) => failures.push(`seed ${seed}: lost ${x}`));
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
    expect(messages).toBeGreaterThan(500);
  }, 120_000);
});
