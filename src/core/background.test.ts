import { describe, expect, it } from 'vitest';
import { LoopHealth } from './background.ts';
import type { Logger } from './logging.ts';

function recordingLog() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, msg: string) =>
    void lines.push({ level, msg, fields });
  return { lines, log: { warn: at('warn'), debug: at('debug'), info: at('info') } as unknown as Logger };
}

describe('LoopHealth', () => {
  it('tells an outage as one warning, quiet repeats and one recovery, backing off meanwhile', async () => {
    const { lines, log } = recordingLog();
    const h = new LoopHealth('follow-up sweep', log, { baseMs: 5_000, maxMs: 60_000 });
    expect(h.nextDelayMs()).toBe(5_000);
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    for (let i = 0; i < 5; i++) await h.run(down);
    expect(h.healthy).toBe(false);
    expect(h.nextDelayMs()).toBe(60_000);
    await h.run(async () => undefined);
    expect(h.healthy).toBe(true);
    expect(h.nextDelayMs()).toBe(5_000);
    expect(lines.map((l) => l.level)).toEqual(['warn', 'debug', 'debug', 'debug', 'debug', 'info']);
    const id = lines[0]?.fields.errorId;
    expect(id).toMatch(/^e-/);
    expect(lines.every((l) => l.fields.errorId === id)).toBe(true);
    expect(lines.at(-1)?.fields.failures).toBe(5);
  });

  it('never rethrows what the work threw', async () => {
    const { log } = recordingLog();
    const h = new LoopHealth('x', log);
    await expect(h.run(() => Promise.reject(new Error('boom')))).resolves.toBeUndefined();
    await expect(
      h.run(() => {
        throw new Error('sync boom');
      }),
    ).resolves.toBeUndefined();
  });

  it('refuses a period that is not a positive number (a hand-built config missing its field)', () => {
    const { log } = recordingLog();
    expect(() => new LoopHealth('follow-up sweep', log, { baseMs: Number.NaN })).toThrow(
      /follow-up sweep.*NaN/,
    );
    expect(() => new LoopHealth('x', log, { baseMs: 0 })).toThrow(RangeError);
    expect(() => new LoopHealth('x', log, { baseMs: 30 * 86_400_000 })).toThrow(RangeError);
  });
});
