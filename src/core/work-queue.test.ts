import { describe, expect, it } from 'vitest';
import { QueueFullError, WorkQueue } from './work-queue.ts';

/** A job the test finishes by hand, so the order of events is the test's, not a timer's. */
function gate<T>(value: T) {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  let started = false;
  return {
    fn: async () => {
      started = true;
      await opened;
      return value;
    },
    open: () => open(),
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs at most `concurrency` jobs at once, the oldest waiting first', async () => {
    const q = new WorkQueue({ concurrency: 2, capacity: 10 });
    const jobs = [gate(1), gate(2), gate(3)];
    const results = jobs.map((j, i) => q.push(`k${i}`, j.fn));
    await tick();
    expect(jobs.map((j) => j.started)).toEqual([true, true, false]);
    expect(q.size).toEqual({ running: 2, waiting: 1 });
    jobs[1]?.open();
    await tick();
    expect(jobs[2]?.started).toBe(true);
    jobs.forEach((j) => j.open());
    expect(await Promise.all(results)).toEqual([1, 2, 3]);
    expect(q.size).toEqual({ running: 0, waiting: 0 });
  });

  it('folds a push into the waiting job of its key: the newest runs, every caller gets its result', async () => {
    const q = new WorkQueue({ concurrency: 1, capacity: 10 });
    const first = gate('first');
    const p1 = q.push('a', first.fn);
    const ran: string[] = [];
    const p2 = q.push('b', async () => (ran.push('b1'), 'b1'));
    const p3 = q.push('b', async () => (ran.push('b2'), 'b2'));
    expect(q.size.waiting).toBe(1);
    first.open();
    expect(await Promise.all([p1, p2, p3])).toEqual(['first', 'b2', 'b2']);
    expect(ran).toEqual(['b2']);
  });

  it('never runs two jobs of one key at once, even with free slots', async () => {
    const q = new WorkQueue({ concurrency: 4, capacity: 10 });
    const a1 = gate('a1');
    const a2 = gate('a2');
    const p1 = q.push('a', a1.fn);
    await tick();
    const p2 = q.push('a', a2.fn);
    await tick();
    expect([a1.started, a2.started]).toEqual([true, false]);
    a1.open();
    await p1;
    await tick();
    expect(a2.started).toBe(true);
    a2.open();
    expect(await p2).toBe('a2');
  });

  it('refuses a new key when `capacity` jobs wait, but still folds a key that waits', async () => {
    const q = new WorkQueue({ concurrency: 1, capacity: 1 });
    const running = gate('r');
    const pr = q.push('r', running.fn);
    await tick();
    const pw = q.push('w', async () => 'w');
    expect(q.full('x')).toBe(true);
    expect(q.full('w')).toBe(false);
    await expect(q.push('x', async () => 'x')).rejects.toBeInstanceOf(QueueFullError);
    const folded = q.push('w', async () => 'w2');
    running.open();
    expect(await Promise.all([pr, pw, folded])).toEqual(['r', 'w2', 'w2']);
    expect(q.full('x')).toBe(false);
  });

  it('a failing job rejects its callers and frees its slot', async () => {
    const q = new WorkQueue({ concurrency: 1, capacity: 10 });
    const bad = q.push('a', async () => {
      throw new Error('boom');
    });
    const good = q.push('b', async () => 'ok');
    await expect(bad).rejects.toThrow('boom');
    expect(await good).toBe('ok');
  });
});
