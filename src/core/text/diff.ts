/**
 * Line diffs in unified format, for `argo diff` and pull request previews. Myers' O(ND) algorithm
 * on lines; hunks with context like `diff -u`.
 */
export type Edit = { op: ' ' | '-' | '+'; line: string };

export function diffLines(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Map<number, number>([[1, 0]]);
  const trace: Map<number, number>[] = [];
  outer: for (let d = 0; d <= max; d++) {
    trace.push(new Map(v));
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v.get(k - 1) ?? -1) < (v.get(k + 1) ?? -1));
      let x = down ? (v.get(k + 1) ?? 0) : (v.get(k - 1) ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v.set(k, x);
      if (x >= n && y >= m) break outer;
    }
  }
  // Walk the trace backwards to recover the edit script.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d] as Map<number, number>;
    const k = x - y;
    const down = k === -d || (k !== d && (vd.get(k - 1) ?? -1) < (vd.get(k + 1) ?? -1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = vd.get(prevK) ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: ' ', line: a[--x] as string });
      y--;
    }
    if (d === 0) break;
    if (down) edits.push({ op: '+', line: b[--y] as string });
    else edits.push({ op: '-', line: a[--x] as string });
  }
  while (x > 0 && y > 0) {
    edits.push({ op: ' ', line: a[--x] as string });
    y--;
  }
  return edits.reverse();
}

/** A text's lines; the newline that ends the last one does not start another, and '' has none. */
const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** A unified diff (`--- a`, `+++ b`, `@@` hunks); empty string when the texts are equal. */
export function unifiedDiff(
  before: string,
  after: string,
  opts: { from?: string; to?: string; context?: number } = {},
): string {
  const a = linesOf(before);
  const b = linesOf(after);
  const edits = diffLines(a, b);
  if (edits.every((e) => e.op === ' ')) return '';
  const ctx = opts.context ?? 3;
  const out = [`--- ${opts.from ?? 'a'}`, `+++ ${opts.to ?? 'b'}`];
  // Positions of each edit in a and b.
  let ai = 0;
  let bi = 0;
  const pos = edits.map((e) => {
    const p = { a: ai, b: bi };
    if (e.op !== '+') ai++;
    if (e.op !== '-') bi++;
    return p;
  });
  let i = 0;
  while (i < edits.length) {
    if ((edits[i] as Edit).op === ' ') {
      i++;
      continue;
    }
    const start = Math.max(0, i - ctx);
    let end = i;
    // Extend the hunk while changes are within 2*ctx lines of each other.
    let j = i;
    while (j < edits.length) {
      if ((edits[j] as Edit).op !== ' ') end = j;
      else if (j - end > 2 * ctx) break;
      j++;
    }
    const stop = Math.min(edits.length, end + ctx + 1);
    const slice = edits.slice(start, stop);
    const aLen = slice.filter((e) => e.op !== '+').length;
    const bLen = slice.filter((e) => e.op !== '-').length;
    const p = pos[start] as { a: number; b: number };
    out.push(`@@ -${p.a + (aLen ? 1 : 0)},${aLen} +${p.b + (bLen ? 1 : 0)},${bLen} @@`);
    for (const e of slice) out.push(`${e.op}${e.line}`);
    i = stop;
  }
  return out.join('\n');
}
