import { describe, expect, it } from 'vitest';
import { QuietGate } from './quiet-gate.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('QuietGate', () => {
  it('lets work through once arrivals pause, all at once', async () => {
    const gate = new QuietGate(10, 200);
    const done: number[] = [];
    const a = gate.wait().then(() => done.push(1));
    await tick(3);
    const b = gate.wait().then(() => done.push(2));
    await tick(3);
    expect(done).toEqual([]); // still arriving
    await Promise.all([a, b]);
    expect(done).toEqual([1, 2]);
  });

  it('never holds work longer than its bound, however long the burst', async () => {
    const gate = new QuietGate(10, 40);
    const t0 = performance.now();
    const first = gate.wait();
    let burst = true;
    void (async () => {
      while (burst) {
        void gate.wait();
        await tick(3);
      }
    })();
    await first;
    burst = false;
    expect(performance.now() - t0).toBeLessThan(400); // 40 ms, with room for a loaded machine
  });
});
