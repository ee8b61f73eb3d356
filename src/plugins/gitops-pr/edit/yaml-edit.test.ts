import { isMap, isSeq, parse } from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import { describe, expect, it } from 'vitest';
import { lineChanges } from './testing.ts';
import { lookup, YamlFile } from './yaml-edit.ts';

const open = (text: string) => {
  const f = new YamlFile('f.yaml', text);
  const doc = f.docs[0];
  if (!doc || !isMap(doc.contents)) throw new Error('not a map');
  return { f, doc, root: doc.contents };
};
const mapOf = (d: ReturnType<typeof open>, ...keys: string[]) =>
  keys.reduce<YAMLMap>((m, k) => lookup(d.doc, m, k)?.value as YAMLMap, d.root);

describe('YamlFile', () => {
  it('replaces a scalar and nothing else: comments, quoting and CRLF stay', () => {
    const text = 'a: 1 # one\r\nb: \'x\'\r\nc: "y"\r\nd: plain\r\n';
    const d = open(text);
    const res = d.f.assign(d.doc, d.root, { a: 2, b: 'z', c: 'w', d: '1.10' });
    expect(res.changed.map((l) => `${l.path} ${l.before}→${l.after}`)).toEqual([
      'a 1→2',
      'b x→z',
      'c y→w',
      'd plain→1.10',
    ]);
    expect(d.f.render()).toBe('a: 2 # one\r\nb: \'z\'\r\nc: "w"\r\nd: "1.10"\r\n');
  });

  it('adds missing keys once, nested, at the indentation of their siblings', () => {
    const text =
      'spec:\n    template:\n        metadata:\n            labels:\n                app: web\n# trailing comment\n';
    const d = open(text);
    d.f.assign(d.doc, d.root, {
      spec: {
        template: { metadata: { annotations: { 'deckhand.dev/restartedAt': '2026-08-24T10:00:00Z' } } },
      },
    });
    expect(lineChanges(text, d.f.render())).toEqual([
      '+6             annotations:',
      '+7                 deckhand.dev/restartedAt: "2026-08-24T10:00:00Z"',
    ]);
    expect(parse(d.f.render()).spec.template.metadata.annotations).toEqual({
      'deckhand.dev/restartedAt': '2026-08-24T10:00:00Z',
    });
  });

  it('writes into flow maps in flow style', () => {
    const text = 'labels: {app: web}\nempty: {}\nlist: [a, b]\n';
    const d = open(text);
    d.f.assign(d.doc, d.root, { labels: { tier: 'edge' }, empty: { x: '1' } });
    d.f.addItems(lookup(d.doc, d.root, 'list')?.value as YAMLSeq, ['c']);
    expect(d.f.render()).toBe('labels: {app: web, tier: edge}\nempty: {x: "1"}\nlist: [a, b, c]\n');
  });

  it('appends list items in the style of the list (unindented, indented, items that are maps)', () => {
    const text = 'images:\n- name: a\n  newTag: "1"\nrefs:\n    -   x\n';
    const d = open(text);
    d.f.addItems(lookup(d.doc, d.root, 'images')?.value as YAMLSeq, [{ name: 'b', newTag: '2.0' }]);
    d.f.addItems(lookup(d.doc, d.root, 'refs')?.value as YAMLSeq, ['z']);
    expect(d.f.render()).toBe(
      'images:\n- name: a\n  newTag: "1"\n- name: b\n  newTag: "2.0"\nrefs:\n    -   x\n    -   z\n',
    );
  });

  it('gives a key with no value a block, and removes pairs by whole lines', () => {
    const text = 'annotations:\nimage:\n  name: x\n  digest: sha256:abc # pinned\n  newTag: v1\n';
    const d = open(text);
    d.f.assign(d.doc, d.root, { annotations: { a: 'b' } });
    const image = mapOf(d, 'image');
    d.f.removePair(image, image.items[1] as never);
    expect(d.f.render()).toBe('annotations:\n  a: b\nimage:\n  name: x\n  newTag: v1\n');
  });

  it('edits through aliases at the anchor and says the value is shared', () => {
    const text = 'a: &size 256Mi\nb: *size\n';
    const d = open(text);
    const res = d.f.assign(d.doc, d.root, { b: '512Mi' });
    expect(res.changed).toEqual([{ path: 'b', before: '256Mi', after: '512Mi', shared: true }]);
    expect(d.f.render()).toBe('a: &size 512Mi\nb: *size\n');
  });

  it('overrides a scalar that comes from a << merge key locally instead of changing the anchor', () => {
    const text = 'base: &base\n  cpu: 100m\nx:\n  <<: *base\n  memory: 1Gi\n';
    const d = open(text);
    d.f.assign(d.doc, d.root, { x: { cpu: '200m' } });
    expect(d.f.render()).toBe('base: &base\n  cpu: 100m\nx:\n  <<: *base\n  memory: 1Gi\n  cpu: 200m\n');
  });

  it('reports held values and uses the equality it is given', () => {
    const d = open('memory: 1Gi\n');
    const res = d.f.assign(
      d.doc,
      d.root,
      { memory: '1024Mi' },
      { same: (a, b) => a === '1Gi' && b === '1024Mi' },
    );
    expect(res.kept).toHaveLength(1);
    expect(d.f.changed).toBe(false);
  });

  it('edits YAML inside a block scalar and writes it back at its indentation', () => {
    const text = 'patches:\r\n  - patch: |-\r\n      - op: replace\r\n        value: 4\r\n';
    const d = open(text);
    const seq = lookup(d.doc, d.root, 'patches')?.value;
    const item = isSeq(seq) ? (seq.items[0] as YAMLMap) : undefined;
    const scalar = item && lookup(d.doc, item, 'patch')?.value;
    const inner = d.f.embedded(scalar as never);
    const op = (inner.docs[0]?.contents as YAMLSeq).items[0] as YAMLMap;
    inner.assign(inner.docs[0] as never, op, { value: 6 });
    expect(d.f.render()).toBe('patches:\r\n  - patch: |-\r\n      - op: replace\r\n        value: 6\r\n');
  });

  it('refuses invalid YAML with the file name', () => {
    expect(() => new YamlFile('bad.yaml', 'a: [1, 2\n')).toThrow(/bad.yaml is not valid YAML/);
  });
});
