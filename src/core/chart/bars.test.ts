import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderStackedBars } from './bars.ts';

/** Decode the PNG deckhand writes (8-bit RGB, filter 0) back into pixels. */
function decode(png: Buffer) {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let off = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const at = (x: number, y: number) => [
    ...raw.subarray(y * (width * 3 + 1) + 1 + x * 3, y * (width * 3 + 1) + 1 + x * 3 + 3),
  ];
  return { width, height, at };
}

describe('stacked bar chart', () => {
  it('renders a valid PNG whose bars have the series colours in proportion', () => {
    const png = renderStackedBars(
      {
        title: 'flash-tickets',
        labels: ['MON', 'TUE'],
        series: [
          { label: 'healthy', color: [46, 160, 67] },
          { label: 'degraded', color: [218, 54, 51] },
        ],
        values: [
          [4, 0],
          [2, 2],
        ],
      },
      200,
      140,
    );
    const { width, height, at } = decode(png);
    expect([width, height]).toEqual([200, 140]);
    // Plot area: top 34, bottom 140-44=96, so the plot is 62px tall; bars are centred in 72px slots.
    const barX = 40 + 36;
    expect(at(barX, 90)).toEqual([46, 160, 67]); // Monday: all healthy
    const tueX = 40 + 72 + 36;
    expect(at(tueX, 90)).toEqual([46, 160, 67]); // Tuesday: healthy at the bottom …
    expect(at(tueX, 45)).toEqual([218, 54, 51]); // … degraded on top
  });
});
