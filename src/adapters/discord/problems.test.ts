import { describe, expect, it } from 'vitest';
import { discordPayloadProblems } from './problems.ts';

// A checker that cannot fail is worthless: every limit, broken on purpose, must be named.
describe('discordPayloadProblems', () => {
  const embed = (o: object) => ({ embeds: [{ description: 'd', ...o }] });
  const row = (...components: object[]) => ({ type: 1, components });
  const button = (o: object) => ({ type: 2, style: 1, label: 'ok', custom_id: 'c', ...o });
  const cases: [string, Parameters<typeof discordPayloadProblems>[0], RegExp][] = [
    ['content too long', { content: 'x'.repeat(2001) }, /content: 2001 characters/],
    ['an empty message', { content: ' ', embeds: [], components: [] }, /no content, embeds or components/],
    [
      'eleven embeds',
      { embeds: Array.from({ length: 11 }, () => ({ description: 'd' })) },
      /embeds: 11, more than 10/,
    ],
    ['title too long', embed({ title: 't'.repeat(257) }), /title: 257 characters/],
    ['description too long', embed({ description: 'd'.repeat(4097) }), /description: 4097 characters/],
    [
      '26 fields',
      embed({ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }),
      /fields: 26, more than 25/,
    ],
    [
      'field name too long',
      embed({ fields: [{ name: 'n'.repeat(257), value: 'v' }] }),
      /fields\[0\]\.name: 257 characters/,
    ],
    [
      'field value too long',
      embed({ fields: [{ name: 'n', value: 'v'.repeat(1025) }] }),
      /fields\[0\]\.value: 1025 characters/,
    ],
    ['empty field value', embed({ fields: [{ name: 'n', value: '' }] }), /fields\[0\]\.value: empty/],
    ['footer too long', embed({ footer: { text: 'f'.repeat(2049) } }), /footer\.text: 2049 characters/],
    [
      'too much text in all',
      { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] },
      /6001 characters in all/,
    ],
    ['a bad colour', embed({ color: 0x1000000 }), /colour/],
    ['an empty embed', { embeds: [{ color: 1 }] }, /empty embed/],
    [
      'six rows',
      { components: Array.from({ length: 6 }, (_, i) => row(button({ custom_id: `c${i}` }))) },
      /6 rows, more than 5/,
    ],
    [
      'six buttons in a row',
      { components: [row(...Array.from({ length: 6 }, (_, i) => button({ custom_id: `c${i}` })))] },
      /6 buttons, more than 5/,
    ],
    ['label too long', { components: [row(button({ label: 'l'.repeat(81) }))] }, /label: 81 characters/],
    [
      'custom_id too long',
      { components: [row(button({ custom_id: 'c'.repeat(101) }))] },
      /custom_id: 101 characters/,
    ],
    ['a repeated custom_id', { components: [row(button({}), button({}))] }, /"c" used twice/],
    [
      'a link button with a custom_id',
      { components: [row(button({ style: 5, url: 'https://x.example' }))] },
      /a link button has none/,
    ],
    [
      'a link button without url',
      { components: [row(button({ style: 5, custom_id: undefined }))] },
      /url: missing/,
    ],
    [
      'a long link url',
      { components: [row({ type: 2, style: 5, label: 'l', url: 'u'.repeat(513) })] },
      /url: 513 characters/,
    ],
    [
      'an action button without custom_id',
      { components: [row(button({ custom_id: undefined }))] },
      /custom_id: missing/,
    ],
    ['a row that is not a row', { components: [button({})] }, /not an action row/],
  ];
  it.each(cases)('finds %s', (_name, payload, expected) => {
    const problems = discordPayloadProblems(payload);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });
  it('finds nothing wrong in a valid payload', () => {
    expect(
      discordPayloadProblems({
        embeds: [{ title: 't', description: 'd', fields: [{ name: 'n', value: 'v' }] }],
        components: [row(button({}), { type: 2, style: 5, label: 'l', url: 'https://x.example' })],
      }),
    ).toEqual([]);
  });
});
