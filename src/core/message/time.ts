/** Human time for chat: "3m ago", "2h 5m", kept short and unambiguous. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 && m < 10 ? `${m}m ${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 && d < 7 ? `${d}d ${h % 24}h` : `${d}d`;
}

export function ago(when: string | number | Date | undefined, now: number): string {
  if (when === undefined) return 'unknown';
  const t = typeof when === 'number' ? when : new Date(when).getTime();
  if (Number.isNaN(t)) return 'unknown';
  const d = now - t;
  return d < 0 ? `in ${duration(-d)}` : `${duration(d)} ago`;
}
