/**
 * Bad input never crashes the bot: random command lines (printable noise, near-miss commands,
 * quotes, flags, unicode) each get exactly one kind of answer — a reply — and nothing throws.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBot, type TestBot } from './support/test-bot.ts';

let t: TestBot;
beforeAll(async () => {
  t = await createTestBot();
});
afterAll(async () => t.stop());

const words = [
  'help',
  'whoami',
  'version',
  'plugins',
  'argo',
  'status',
  '--json',
  '--',
  '-',
  '=',
  '"',
  "'",
  '“',
  '\\',
  '/',
  '@deckhand',
  'deckhand',
  'x=y',
  '--flag=',
  '--no-x',
];
const line = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((w) => w.join(' ')),
  fc
    .array(fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 8 })), { maxLength: 10 })
    .map((w) => w.join(' ')),
);

describe('fuzzing the command line', () => {
  it('answers 1,000 random command lines, each with at least one message', async () => {
    const samples = fc.sample(line, { numRuns: 1000, seed: 4242 });
    expect(samples).toHaveLength(1000);
    for (const s of samples) {
      const r = await t.say(s);
      expect(r.messages.length, `no reply to ${JSON.stringify(s)}`).toBeGreaterThan(0);
      expect(typeof r.messages[0]?.text).toBe('string');
      if (!r.ok) expect(r.messages[0]?.data).toHaveProperty('error');
    }
    expect(t.logs.filter((l) => l.level === 50)).toEqual([]);
  });

  it('answers random button ids with a refusal, never a crash', async () => {
    const ids = fc.sample(
      fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^a_[A-Za-z0-9_-]{24}$/)),
      { numRuns: 200, seed: 7 },
    );
    for (const id of ids) {
      const r = await t.press(id);
      expect(r.ok).toBe(false);
      expect(r.messages).toHaveLength(1);
    }
  });
});
