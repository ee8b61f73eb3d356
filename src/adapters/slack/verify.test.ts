import { describe, expect, it } from 'vitest';
import { SeenSignatures } from './verify.ts';

describe('SeenSignatures', () => {
  it('refuses a signature seen before it expires, and accepts it again after', () => {
    const seen = new SeenSignatures();
    expect(seen.add('v0=a', 1_000, 0)).toBe(true);
    expect(seen.add('v0=a', 1_000, 999)).toBe(false);
    expect(seen.add('v0=a', 2_000, 1_000)).toBe(true);
  });

  it('stays within its bound, dropping the oldest', () => {
    const seen = new SeenSignatures(3);
    for (const s of ['a', 'b', 'c', 'd']) seen.add(s, 10_000, 0);
    expect(seen.size).toBe(3);
    expect(seen.add('a', 10_000, 1)).toBe(true);
    expect(seen.add('d', 10_000, 1)).toBe(false);
  });

  it('forgets expired signatures as new ones arrive', () => {
    const seen = new SeenSignatures();
    for (let i = 0; i < 100; i++) seen.add(`s${i}`, 1_000 + i, 0);
    seen.add('late', 5_000, 2_000);
    expect(seen.size).toBe(1);
  });
});
