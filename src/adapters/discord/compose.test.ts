import { describe, expect, it } from 'vitest';
import { Rng, randomMessage } from '../shared/random-message.ts';
import { compose, MAX_FILES, threadName } from './compose.ts';
import { discordPayloadProblems } from './problems.ts';
import { toDiscord } from './render.ts';

const lead = 'asked by <@81234567890123456>';

describe('compose: one Discord message per model message', () => {
  it('on 200 random messages: one valid message, at most 10 files, the whole answer kept', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(seed);
      rng.maxed = seed <= 2;
      const m = randomMessage(rng);
      const out = compose(m, seed % 2 ? lead : undefined);
      discordPayloadProblems(out.first).forEach((x) => failures.push(`seed ${seed}: ${x}`));
      if (seed % 2 && !out.first.content?.startsWith(lead)) failures.push(`seed ${seed}: no lead`);
      // Further messages only carry buttons a single message cannot hold.
      for (const e of out.extra)
        if (e.content || e.embeds.length) failures.push(`seed ${seed}: continuation`);
      if (out.files.length > MAX_FILES) failures.push(`seed ${seed}: ${out.files.length} files`);
      const pages = toDiscord(m).messages.filter((p) => p.content !== undefined || p.embeds.length);
      if (pages.length > 1) {
        const whole = out.files.at(-1)!;
        if (!out.first.content?.includes(`\`${whole.filename}\``))
          failures.push(`seed ${seed}: file not named`);
        const last = pages.at(-1)!;
        const tail = (last.content ?? last.embeds.at(-1)?.description ?? '').slice(-40);
        if (tail && !whole.content!.includes(tail)) failures.push(`seed ${seed}: last page not in the file`);
      }
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('uploads a text carried twice once, and points at the one kept', () => {
    const log = Array.from({ length: 300 }, (_, i) => `line ${i} error`).join('\n');
    const out = compose({
      text: 'logs',
      header: 'logs',
      blocks: [{ type: 'code', code: log, title: 'app', language: 'log' }],
      attachments: [{ filename: 'app.log', contentType: 'text/plain', content: log }],
    });
    expect(out.files.map((f) => f.filename)).toEqual(['app.log']);
    expect(JSON.stringify(out.first)).toContain('`app.log`');
  });

  it('names threads from the header or first line, within Discord’s 100 characters', () => {
    expect(threadName({ text: 'x', header: '**naver-news** down' })).toBe('naver-news down');
    expect(threadName({ text: '\n\nfirst line\nsecond' })).toBe('first line');
    expect(threadName({ text: 'y'.repeat(300) })).toHaveLength(100);
    expect(threadName({ text: '' })).toBe('deckhand');
  });
});
