/**
 * Helpers for the inline Markdown subset of the message model, so plugins never hand-escape.
 */
// The backslash too: `\[label\](url)` in someone's text must not become a link once escaped.
const special = /([\\*_`[\]])/g;

/** Escape user-controlled text so it renders literally. */
export const esc = (s: string): string => s.replace(special, '\\$1');

export const bold = (s: string): string => `**${esc(s)}**`;
export const code = (s: string): string => '`' + s.replace(/`/g, "'") + '`';
export const link = (label: string, url: string): string => `[${esc(label)}](${url})`;

/**
 * Remove the markup, leaving readable plain text (`[label](url)` becomes `label (url)`).
 * In each group a backslash is only ever the escape, never "any other character": overlapping
 * alternatives backtrack exponentially on long runs of backslashes (a log line can hold them).
 */
export const stripMarkup = (s: string): string =>
  s
    .replace(/\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => `${label} (${url})`)
    .replace(/\*\*((?:\\.|[^*\\])+)\*\*/g, '$1')
    .replace(/(^|[\s(])_((?:\\.|[^_\\])+)_(?=$|[\s).,;:!?])/g, '$1$2')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([\\*_`[\]])/g, '$1');

/** Cut text to at most `max` characters, saying how much was dropped. */
export const truncate = (s: string, max: number): string => {
  if (s.length <= max) return s;
  if (max <= 1) return s.slice(0, max);
  return s.slice(0, max - 1) + '…';
};

/**
 * Keep at most `maxLines` lines (the last ones when `from` is 'end', as for logs) and say how many
 * were left out, so a reader never mistakes a trimmed output for the whole.
 */
export const trimLines = (
  s: string,
  maxLines: number,
  from: 'start' | 'end' = 'start',
): { text: string; omitted: number } => {
  const lines = s.split('\n');
  if (lines.length <= maxLines) return { text: s, omitted: 0 };
  const omitted = lines.length - maxLines;
  const kept = from === 'start' ? lines.slice(0, maxLines) : lines.slice(-maxLines);
  const note = `… ${omitted} more line${omitted === 1 ? '' : 's'}`;
  return { text: from === 'start' ? [...kept, note].join('\n') : [note, ...kept].join('\n'), omitted };
};
