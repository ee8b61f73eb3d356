/**
 * Cutting text into pieces that fit a platform's length limits. Lengths are UTF-16 code units
 * (`String#length`), which is never less than what Slack or Discord count, so a piece that fits
 * here fits there.
 */

/**
 * Split `s` into pieces of at most `max` characters. Cuts prefer a line break, then a space, in the
 * second half of the window, and the whitespace around a cut is dropped (each piece is shown as its
 * own paragraph). A cut never falls inside a match of `atom` (a link, an entity, an escape) unless that
 * match alone is longer than `max`, and never between the halves of a surrogate pair.
 * Pieces made only of whitespace are left out: they would be rejected as empty.
 */
export function chunkText(s: string, max: number, atom?: RegExp): string[] {
  if (max < 2) throw new RangeError(`chunk size ${max} is too small`);
  const out: string[] = [];
  let rest = s;
  while (rest.length > max) {
    let cut = preferredCut(rest, max);
    let skip = /\s/.test(rest[cut] ?? '') ? 1 : 0;
    const inside = atom ? atomAround(rest, cut, atom) : -1;
    if (inside > 0) {
      cut = inside;
      skip = 0;
    }
    if (cut > 1 && isHighSurrogate(rest.charCodeAt(cut - 1))) {
      cut -= 1;
      skip = 0;
    }
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut + skip);
  }
  out.push(rest);
  // Blank lines at a cut mean nothing once each piece is its own paragraph.
  return out.map((p) => p.replace(/^\n+/, '').trimEnd()).filter((p) => p !== '');
}

/** The longest prefix of `s` that fits `max`, ending with `…` when something was cut. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  if (isHighSurrogate(s.charCodeAt(end - 1))) end -= 1;
  return s.slice(0, end) + '…';
}

/** `clip` for escaped text: the cut never leaves half an HTML entity (`&am…`) behind. */
export const clipEscaped = (s: string, max: number): string => clip(s, max).replace(/&[a-z]*…$/, '…');

function preferredCut(s: string, max: number): number {
  const nl = s.lastIndexOf('\n', max);
  if (nl >= max / 2) return nl;
  const sp = s.lastIndexOf(' ', max);
  if (sp >= max / 2) return sp;
  return max;
}

/** The start of the atom that `cut` would split, or -1. */
function atomAround(s: string, cut: number, atom: RegExp): number {
  const re = new RegExp(atom.source, atom.flags.includes('g') ? atom.flags : atom.flags + 'g');
  for (let m = re.exec(s); m; m = re.exec(s)) {
    if (m.index >= cut) break;
    if (m[0].length === 0) re.lastIndex += 1;
    else if (m.index + m[0].length > cut) return m.index;
  }
  return -1;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
