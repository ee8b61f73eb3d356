import { describe, expect, it } from 'vitest';
import { slackPayloadProblems } from './problems.ts';

// A checker that cannot fail is worthless: every limit, broken on purpose, must be named.
describe('slackPayloadProblems', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  const button = (o: object) => ({
    type: 'button',
    text: { type: 'plain_text', text: 'ok' },
    action_id: 'a',
    ...o,
  });
  const cases: [string, { text: string; blocks: unknown[] }, RegExp][] = [
    [
      'too many blocks',
      { text: 't', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) },
      /51 blocks, more than 50/,
    ],
    ['fallback too long', { text: 'x'.repeat(40_001), blocks: [] }, /^text: 40001 characters/],
    ['nothing at all', { text: ' ', blocks: [] }, /neither text nor blocks/],
    [
      'section text too long',
      { text: 't', blocks: [section('x'.repeat(3001))] },
      /blocks\[0\]\.text\.text: 3001 characters/,
    ],
    ['empty section text', { text: 't', blocks: [section('  ')] }, /blocks\[0\]\.text\.text: empty/],
    ['section without text or fields', { text: 't', blocks: [{ type: 'section' }] }, /needs text or fields/],
    [
      'eleven fields',
      {
        text: 't',
        blocks: [
          { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        ],
      },
      /fields: 11 items, more than 10/,
    ],
    [
      'field too long',
      { text: 't', blocks: [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'x'.repeat(2001) }] }] },
      /fields\[0\]\.text: 2001 characters/,
    ],
    [
      'header too long',
      { text: 't', blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] },
      /blocks\[0\]\.text\.text: 151 characters, more than 150/,
    ],
    [
      'mrkdwn header',
      { text: 't', blocks: [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }] },
      /expected plain_text/,
    ],
    [
      'eleven context elements',
      {
        text: 't',
        blocks: [
          { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
        ],
      },
      /elements: 11 items, more than 10/,
    ],
    [
      '26 buttons',
      {
        text: 't',
        blocks: [
          { type: 'actions', elements: Array.from({ length: 26 }, (_, i) => button({ action_id: `b${i}` })) },
        ],
      },
      /elements: 26 items, more than 25/,
    ],
    [
      'button text too long',
      {
        text: 't',
        blocks: [
          { type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'x'.repeat(76) } })] },
        ],
      },
      /text\.text: 76 characters, more than 75/,
    ],
    [
      'action_id too long',
      { text: 't', blocks: [{ type: 'actions', elements: [button({ action_id: 'x'.repeat(256) })] }] },
      /action_id: must be 1 to 255/,
    ],
    [
      'value too long',
      { text: 't', blocks: [{ type: 'actions', elements: [button({ value: 'x'.repeat(2001) })] }] },
      /value: must be 1 to 2000/,
    ],
    [
      'url too long',
      { text: 't', blocks: [{ type: 'actions', elements: [button({ url: 'x'.repeat(3001) })] }] },
      /url: must be 1 to 3000/,
    ],
    [
      'bad style',
      { text: 't', blocks: [{ type: 'actions', elements: [button({ style: 'secondary' })] }] },
      /style: "secondary"/,
    ],
    [
      'repeated action_id',
      { text: 't', blocks: [{ type: 'actions', elements: [button({}), button({})] }] },
      /"a" used twice/,
    ],
    [
      'too much text in all',
      { text: 't', blocks: Array.from({ length: 4 }, () => section('x'.repeat(2600))) },
      /10400 characters of text in all/,
    ],
    ['unknown block', { text: 't', blocks: [{ type: 'video' }] }, /"video" is not a block/],
    [
      'repeated block_id',
      {
        text: 't',
        blocks: [
          { type: 'divider', block_id: 'b' },
          { type: 'divider', block_id: 'b' },
        ],
      },
      /block_id: "b" used twice/,
    ],
  ];
  it.each(cases)('finds %s', (_name, payload, expected) => {
    const problems = slackPayloadProblems(payload);
    expect(
      problems.some((p) => expected.test(p)),
      problems.join('\n'),
    ).toBe(true);
  });
  it('finds nothing wrong in a valid payload', () => {
    expect(
      slackPayloadProblems({
        text: 't',
        blocks: [section('ok'), { type: 'divider' }, { type: 'actions', elements: [button({})] }],
      }),
    ).toEqual([]);
  });
});
