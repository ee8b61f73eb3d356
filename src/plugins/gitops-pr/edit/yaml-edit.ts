/**
 * Minimal edits to YAML files. The yaml package's Document API finds nodes and their source
 * ranges; changes are spliced into the original text at those ranges, so comments, key order,
 * quoting, anchors, flow style, indentation and CRLF line ends stay exactly as they were and a
 * diff shows only the lines that had to change. Navigation follows aliases and `<<` merge keys.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, visit } from 'yaml';
import type { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import { assign } from './yaml-assign.ts';
import type { AssignOptions, Leaf } from './yaml-assign.ts';
import { isEmpty, type Doc } from './yaml-nav.ts';
import { emitBlock, emitFlow, emitItems, formatKey, formatScalar } from './yaml-text.ts';
import type { IndentStyle, Value, ValueMap } from './yaml-text.ts';

export type { Doc, Found } from './yaml-nav.ts';
export { deref, isEmpty, lookup, nodeAt, plain } from './yaml-nav.ts';
export type { AssignOptions, Leaf } from './yaml-assign.ts';

const rangeOf = (n: unknown): [number, number, number] => (n as { range: [number, number, number] }).range;

/** Move every line but the first by `by` columns; refused when a line has too few spaces to move back. */
function shiftLines(text: string, by: number, path: string): string {
  const [head, ...rest] = text.split('\n');
  const moved = rest.map((l) => {
    if (l.trim() === '') return '';
    if (by >= 0) return ' '.repeat(by) + l;
    if (!l.startsWith(' '.repeat(-by)))
      throw new InputError(
        `${path}: a line of the value is indented less than its key; deckhand cannot move it.`,
      );
    return l.slice(-by);
  });
  return [head, ...moved].join('\n');
}

export class YamlFile {
  readonly path: string;
  readonly text: string;
  readonly docs: Doc[];
  readonly eol: string;
  /** Set when the file cannot be changed (an inline patch whose indentation deckhand cannot redo). */
  readOnly?: string;
  private readonly splices: { start: number; end: number; text: string }[] = [];
  private readonly inline: { start: number; end: number; inner: YamlFile; indent: string }[] = [];
  private indentStyle?: IndentStyle;
  private readonly aliased = new Map<Doc, [number, number][]>();

  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    this.docs = Array.from(parseAllDocuments(text, { merge: true })) as Doc[];
    const error = this.docs.flatMap((d) => d.errors)[0];
    if (error) throw new InputError(`${path} is not valid YAML: ${error.message.split('\n')[0]}`);
    for (const doc of this.docs) {
      try {
        doc.toJS(); // what Kubernetes would read: an alias without its anchor fails there too
      } catch (e) {
        throw new InputError(`${path} cannot be read: ${(e as Error).message}`);
      }
    }
  }

  render(): string {
    const all = [...this.splices];
    for (const c of this.inline)
      if (c.inner.changed)
        all.push({ start: c.start, end: c.end, text: this.reindent(c.inner.render(), c.indent) });
    all.sort((a, b) => a.start - b.start);
    let out = '';
    let pos = 0;
    for (const s of all) {
      if (s.start < pos) throw new Error(`overlapping edits in ${this.path}`);
      out += this.text.slice(pos, s.start) + s.text;
      pos = s.end;
    }
    return out + this.text.slice(pos);
  }

  get changed(): boolean {
    return this.render() !== this.text;
  }

  /** The YAML inside a block scalar (a kustomize inline patch), editable in place. */
  embedded(node: Scalar): YamlFile {
    const inner = new YamlFile(this.path, String(node.value)); // changes are reported against the file that holds it
    const [start, end] = rangeOf(node);
    const bodyStart = this.text.indexOf('\n', start) + 1;
    const body = this.text.slice(bodyStart, end);
    const indent = /^( *)\S/m.exec(body)?.[1] ?? '';
    if (!isScalar(node) || !node.type?.startsWith('BLOCK') || this.reindent(inner.text, indent) !== body)
      inner.readOnly = `The inline patch in ${this.path} is laid out in a way deckhand cannot rewrite exactly; move it to a file and ask again.`;
    else this.inline.push({ start: bodyStart, end, inner, indent });
    return inner;
  }

  private reindent(t: string, indent: string): string {
    const lines = t.replace(/\n$/, '').split('\n');
    return lines.map((l) => (l ? indent + l : l)).join(this.eol) + this.eol;
  }

  private splice(start: number, end: number, text: string): void {
    if (this.readOnly) throw new InputError(this.readOnly);
    this.splices.push({ start, end, text });
  }

  private col(pos: number): number {
    return pos - (this.text.lastIndexOf('\n', pos - 1) + 1);
  }

  /** The start of the line after the one holding `pos` (a place to insert whole lines). */
  private afterLine(pos: number): number {
    if (pos > 0 && this.text[pos - 1] === '\n') return pos;
    const nl = this.text.indexOf('\n', pos);
    return nl < 0 ? this.text.length : nl + 1;
  }

  private insertLines(pos: number, lines: string[]): void {
    const lead =
      pos === this.text.length && this.text.length > 0 && !this.text.endsWith('\n') ? this.eol : '';
    this.splice(pos, pos, lead + lines.join(this.eol) + this.eol);
  }

  /** Where the last item's own text ends, leaving out trailing comments that belong further out. */
  private contentEnd(node: unknown): number {
    if ((isMap(node) || isSeq(node)) && !node.flow && node.items.length > 0) {
      const last = node.items[node.items.length - 1];
      return isPair(last) ? this.contentEnd(last.value ?? last.key) : this.contentEnd(last);
    }
    return rangeOf(node)[1];
  }

  /** Spaces per level and the sequence offset, as the file already does it (2 and 2 if it never says). */
  get style(): IndentStyle {
    if (this.indentStyle) return this.indentStyle;
    const found: Partial<IndentStyle> = {};
    for (const doc of this.docs)
      visit(doc, {
        Pair: (_, p) => {
          const v = p.value;
          if (!isScalar(p.key) || !(isMap(v) || isSeq(v)) || v.flow) return;
          const offset = this.col(rangeOf(v)[0]) - this.col(rangeOf(p.key)[0]);
          if (isMap(v) && found.step === undefined && offset > 0) found.step = offset;
          if (isSeq(v) && found.seq === undefined && this.text[rangeOf(v)[0]] === '-') found.seq = offset;
        },
      });
    const step = found.step ?? 2;
    return (this.indentStyle = { step, seq: found.seq ?? step });
  }

  /** Whether a node lies inside an anchored node that an alias (or merge key) elsewhere repeats. */
  isShared(doc: Doc, node: unknown): boolean {
    let spans = this.aliased.get(doc);
    if (!spans) {
      const found: [number, number][] = [];
      visit(doc, {
        Alias: (_, a) => {
          const t = a.resolve(doc);
          if (t?.range) found.push([t.range[0], t.range[2]]);
        },
      });
      this.aliased.set(doc, (spans = found));
    }
    const [start, end] = rangeOf(node);
    return spans.some(([a, b]) => a <= start && end <= b);
  }

  /** Replace a scalar's value, keeping its quoting style. */
  setScalar(node: Scalar, value: string | number | boolean): void {
    const [start, end] = rangeOf(node);
    const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
    this.splice(start, end, formatScalar(value, block ? undefined : node.type) + (block ? this.eol : ''));
  }

  /** Add pairs at the end of a mapping (block or flow). */
  addPairs(map: YAMLMap, entries: ValueMap): void {
    if (map.flow) {
      const body = Object.entries(entries).map(([k, v]) => `${formatKey(k)}: ${emitFlow(v)}`);
      if (map.items.length === 0) {
        const open = this.text.indexOf('{', rangeOf(map)[0]) + 1;
        this.splice(open, open, body.join(', '));
      } else {
        const at = this.contentEnd(map.items[map.items.length - 1]?.value ?? map);
        this.splice(at, at, `, ${body.join(', ')}`);
      }
      return;
    }
    const at = this.afterLine(this.contentEnd(map));
    this.insertLines(at, emitBlock(entries, this.col(rangeOf(map)[0]), this.style));
  }

  /** Append items to a sequence (block or flow), lined up with the items already there. */
  addItems(seq: YAMLSeq, items: Value[]): void {
    const first = seq.items[0];
    if (seq.flow || !first) {
      if (!seq.flow) throw new Error('an empty block sequence cannot exist');
      const at = first
        ? this.contentEnd(seq.items[seq.items.length - 1])
        : this.text.indexOf('[', rangeOf(seq)[0]) + 1;
      this.splice(at, at, (first ? ', ' : '') + items.map(emitFlow).join(', '));
      return;
    }
    const dash = this.col(rangeOf(seq)[0]);
    const content = isMap(first) || isScalar(first) ? this.col(rangeOf(first)[0]) : dash + 2;
    this.insertLines(this.afterLine(this.contentEnd(seq)), emitItems(items, dash, content, this.style));
  }

  /** Give a key that has no value (`annotations:`) a block mapping or list. */
  fillEmpty(pair: Pair, value: ValueMap | Value[]): void {
    const keyEnd = rangeOf(pair.key)[1];
    const node = pair.value as Scalar | null;
    if (node && rangeOf(node)[1] > rangeOf(node)[0]) {
      const colon = this.text.indexOf(':', keyEnd);
      this.splice(colon + 1, rangeOf(node)[1], ''); // an explicit `~` or `null`
    }
    const keyCol = this.col(rangeOf(pair.key)[0]);
    const { step, seq } = this.style;
    const lines = Array.isArray(value)
      ? emitItems(value, keyCol + seq, keyCol + seq + 2, this.style)
      : emitBlock(value, keyCol + step, this.style);
    this.insertLines(this.afterLine(node ? rangeOf(node)[1] : keyEnd), lines);
  }

  /** Remove an item from a block sequence (its dash line through its value). */
  removeItem(seq: YAMLSeq, item: unknown): void {
    const start = rangeOf(item)[0];
    const lineStart = start - this.col(start);
    if (seq.flow || !/^\s*-\s+$/.test(this.text.slice(lineStart, start)))
      throw new InputError(`deckhand cannot remove a list item from ${this.path} without reformatting it.`, {
        hint: 'Remove it by hand, then ask again.',
      });
    this.splice(lineStart, this.afterLine(this.contentEnd(item)), '');
  }

  /** Remove a pair from a block mapping (its key line through its value). */
  removePair(map: YAMLMap, pair: Pair): void {
    const keyStart = rangeOf(pair.key)[0];
    const lineStart = keyStart - this.col(keyStart);
    const lead = this.text.slice(lineStart, keyStart);
    if (map.flow || lead.trim() !== '')
      throw new InputError(
        `deckhand cannot remove ${String(pair.key)} from ${this.path} without reformatting it.`,
        {
          hint: 'Remove it by hand, then ask again.',
        },
      );
    this.splice(lineStart, this.afterLine(this.contentEnd(pair.value ?? pair.key)), '');
  }
  /** Where a key's value is written: after its colon to the end of its last line (no line end). */
  private valueSpan(pair: Pair): [number, number] {
    const colon = this.text.indexOf(':', rangeOf(pair.key)[1]);
    const node = pair.value;
    let end = node && !isEmpty(node) ? this.contentEnd(node) : colon + 1;
    while (end > colon + 1 && /[\r\n]/.test(this.text[end - 1] ?? '')) end--;
    return [colon + 1, end];
  }

  /**
   * A key's value exactly as written (quotes, comments, block scalars, every number as it was),
   * its lines moved so that the key sits at column 0: what another file's key can be set to.
   */
  valueText(pair: Pair): string {
    if (isAlias(pair.value) || (pair.value as { anchor?: string } | null)?.anchor)
      throw new InputError(
        `${this.path}: ${String(pair.key)} is shared through a YAML anchor; deckhand copies only values written out.`,
      );
    const [start, end] = this.valueSpan(pair);
    return shiftLines(
      this.text.slice(start, end).replace(/\r\n/g, '\n'),
      -this.col(rangeOf(pair.key)[0]),
      this.path,
    );
  }

  /** Set a key's value to another file's, as valueText gave it; only that key's lines change. */
  replaceValueText(map: YAMLMap, pair: Pair, text: string): void {
    if (map.flow)
      throw new InputError(
        `${this.path}: ${String(pair.key)} is in a flow mapping ({…}); deckhand does not rewrite it.`,
      );
    if (isAlias(pair.value) || (pair.value as { anchor?: string } | null)?.anchor)
      throw new InputError(
        `${this.path}: ${String(pair.key)} is shared through a YAML anchor; deckhand does not change it for one environment.`,
      );
    const [start, end] = this.valueSpan(pair);
    this.splice(
      start,
      end,
      shiftLines(text, this.col(rangeOf(pair.key)[0]), this.path).replace(/\n/g, this.eol),
    );
  }

  /** Add `keys` (nested, the last one set to valueText's text) at the end of a block mapping. */
  addKeyText(map: YAMLMap, keys: string[], text: string): void {
    const first = map.items[0];
    if (map.flow || !first)
      throw new InputError(`${this.path}: deckhand adds keys only to a block mapping that has some.`);
    const col = this.col(rangeOf(first.key)[0]);
    const { step } = this.style;
    const lines = keys.map((k, i) => `${' '.repeat(col + i * step)}${formatKey(k)}:`);
    const last = col + (keys.length - 1) * step;
    lines[lines.length - 1] += shiftLines(text, last, this.path);
    this.insertLines(this.afterLine(this.contentEnd(map)), lines.join('\n').split('\n'));
  }

  /** Set the leaves of `tree` under `map`; see assign(). */
  assign(
    doc: Doc,
    map: YAMLMap,
    tree: ValueMap,
    opts: AssignOptions = {},
  ): { changed: Leaf[]; kept: Leaf[] } {
    return assign(this, doc, map, tree, opts);
  }
}
