/**
 * Evidence lines: short, concrete, quoted from the cluster. Events carry their count and age the
 * way kubectl prints them ("… (x14 over 20m)"), terminated states their reason, exit code and time,
 * logs only the few lines that say what went wrong.
 */
import type { CoreV1Event, V1ContainerStateTerminated } from '@kubernetes/client-node';

const MAX_LINE = 300;

export function clip(s: string, max = MAX_LINE): string {
  const one = s.replace(/\s*\n\s*/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** kubectl's short duration: 45s, 20m, 3h, 2d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 120 * 60) return `${Math.round(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

export function eventCount(e: CoreV1Event): number {
  return e.series?.count ?? e.count ?? 1;
}

export function eventLine(e: CoreV1Event, now: number): string {
  const first = (e.firstTimestamp ?? e.eventTime)?.getTime();
  const last = (e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime)?.getTime() ?? first;
  const n = eventCount(e);
  const when =
    n > 1 && first !== undefined
      ? ` (x${n} over ${age(now - first)})`
      : last !== undefined
        ? ` (${age(now - last)} ago)`
        : '';
  return clip(`${e.message ?? e.reason ?? ''}`, MAX_LINE - when.length) + when;
}

export function terminatedLine(
  where: 'state' | 'lastState',
  t: V1ContainerStateTerminated,
  now: number,
): string {
  const at = t.finishedAt
    ? `, finished ${age(now - t.finishedAt.getTime())} ago (${t.finishedAt.toISOString()})`
    : '';
  const msg = t.message?.trim() ? `: ${t.message.trim()}` : '';
  return clip(`${where}.terminated: ${t.reason ?? 'Unknown'}, exit code ${t.exitCode}${at}${msg}`);
}

export function conditionLine(
  kind: string,
  c: { type: string; status: string; reason?: string; message?: string },
): string {
  return clip(
    `${kind} ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`,
  );
}

// Lines that say what went wrong, in any language runtime's words.
const telling =
  /error|exception|fatal|panic|killed|outofmemory|out of memory|refused|failed|failure|timed? ?out|denied|not found|no such|cannot|can't|unable|caused by|invalid|missing/i;
// Terminal colour codes (ESC [ … m) that some loggers write even into files.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
// Stack frames and blank noise say where, not what.
const noise = /^(\s+at \S|\s*\.\.\. \d+ more|\s*File "|goroutine \d+|\s*$)/;

/**
 * The last few telling lines of a log (or its last lines when none tells), ANSI colours removed.
 * `prefer` names the lines a rule cares most about (an OOM rule: heap and GC lines).
 */
export function logLines(text: string | undefined, max = 4, prefer?: RegExp): string[] {
  if (!text) return [];
  const lines = text
    .replace(ANSI, '')
    .split(/\r?\n/)
    .filter((l) => !noise.test(l));
  const preferred = prefer ? lines.filter((l) => prefer.test(l)) : [];
  const hits = preferred.length ? preferred : lines.filter((l) => telling.test(l));
  return (hits.length ? hits : lines).slice(-max).map((l) => clip(l, 200));
}
