import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { checkQuantity, quantityValue, sameQuantity } from './quantity.ts';

describe('Kubernetes quantities', () => {
  it('reads every suffix of the grammar', () => {
    expect(quantityValue('1Gi')).toBe(2 ** 30);
    expect(quantityValue('512Mi')).toBe(512 * 2 ** 20);
    expect(quantityValue('500m')).toBeCloseTo(0.5);
    expect(quantityValue('0.5')).toBe(0.5);
    expect(quantityValue('.5')).toBe(0.5);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('2k')).toBe(2000);
    expect(quantityValue(2)).toBe(2);
    expect(quantityValue('lots')).toBeUndefined();
    expect(quantityValue('1GB')).toBeUndefined();
    expect(quantityValue('')).toBeUndefined();
  });

  it('compares by amount', () => {
    expect(sameQuantity('1Gi', '1024Mi')).toBe(true);
    expect(sameQuantity('0.1', '100m')).toBe(true);
    expect(sameQuantity('1', '1000m')).toBe(true);
    expect(sameQuantity('1G', '1Gi')).toBe(false);
    expect(sameQuantity('256Mi', '512Mi')).toBe(false);
  });

  it('refuses what is not a quantity, negatives, and the usual slips', () => {
    expect(() => checkQuantity('memory', 'lots')).toThrow(InputError);
    expect(() => checkQuantity('memory', 'lots')).toThrow('memory=lots is not a Kubernetes quantity.');
    expect(() => checkQuantity('cpu', '-1')).toThrow('cpu=-1 is negative.');
    expect(() => checkQuantity('memory', '500m')).toThrow(/means 0.5 bytes/);
    expect(() => checkQuantity('cpu', '1Gi')).toThrow(/memory unit/);
    for (const ok of ['1Gi', '768Mi', '1e9', '0.5'] as const)
      expect(() => checkQuantity('memory', ok)).not.toThrow();
    for (const ok of ['500m', '0.5', '2'] as const) expect(() => checkQuantity('cpu', ok)).not.toThrow();
  });
});
