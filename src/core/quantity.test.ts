import { describe, expect, it } from 'vitest';
import { quantityValue } from './quantity.ts';

describe('Kubernetes quantities', () => {
  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['500m', 0.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['2', 2],
    ['1e3', 1000],
    ['2E6', 2e6],
    ['1000M', 1e9],
    ['100n', 1e-7],
    [' 256Ki ', 256 * 1024],
    [768, 768],
  ])('%s', (text, value) => {
    expect(quantityValue(text)).toBeCloseTo(value, 12);
  });

  it.each(['lots', '1GB', '1 Gi', '', '1.2.3', 'Mi', '--1', '1e'])('refuses %j', (text) => {
    expect(quantityValue(text)).toBeUndefined();
  });
});
