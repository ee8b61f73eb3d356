/**
 * The files one change reads and writes: each file parsed once from the Git tree, new files, the
 * summary lines of what changed and of what already held, and at the end the Plan — or a
 * NoChangeError when the files already say what was asked.
 */
import { posix } from 'node:path';
import type { Plan } from '../changes.ts';
import { NoChangeError } from '../changes.ts';
import type { FileTree } from '../hosts/types.ts';
import { YamlFile } from './yaml-edit.ts';

/** `a/b/../c` → `a/c`; '' for the root; undefined when the path leaves the repository. */
export function normalize(path: string): string | undefined {
  const p = posix.normalize(path.replace(/^\/+/, '') || '.');
  if (p === '..' || p.startsWith('../')) return undefined;
  return p === '.' ? '' : p.replace(/\/+$/, '');
}

export const join = (dir: string, rel: string): string | undefined => normalize(posix.join(dir || '.', rel));

export class EditSet {
  readonly appPath: string;
  private readonly tree: FileTree;
  private readonly files = new Map<string, Promise<YamlFile | undefined>>();
  private readonly created = new Map<string, string>();
  private readonly changedLines: string[] = [];
  private readonly heldLines: string[] = [];

  constructor(tree: FileTree, appPath: string) {
    this.tree = tree;
    this.appPath = appPath;
  }

  read(path: string): Promise<string | undefined> {
    return this.tree.read(path);
  }

  list(dir: string): Promise<string[]> {
    return this.tree.list(dir);
  }

  /** A YAML file of the tree, parsed once; undefined when there is no such file. */
  open(path: string): Promise<YamlFile | undefined> {
    let f = this.files.get(path);
    if (!f) {
      f = this.tree.read(path).then((text) => (text === undefined ? undefined : new YamlFile(path, text)));
      this.files.set(path, f);
    }
    return f;
  }

  /** Whether a path belongs to this app alone (under its source path), so editing it affects no other app. */
  owns(path: string): boolean {
    return this.appPath === '' || path === this.appPath || path.startsWith(`${this.appPath}/`);
  }

  create(path: string, text: string): void {
    this.created.set(path, text);
  }

  isCreated(path: string): boolean {
    return this.created.has(path);
  }

  /** Record a changed value: `file: label before → after`. */
  changed(file: string, label: string, before: string | undefined, after: string, shared = false): void {
    // An empty value (a digest cleared) is said as YAML writes it, not as nothing after the arrow.
    const shown = (v: string) => (v === '' ? '""' : v);
    const what =
      before === undefined
        ? `${label} set to ${shown(after)}`
        : `${label} ${shown(before)} → ${shown(after)}`;
    this.changedLines.push(
      `${file}: ${what}${shared ? ' (a shared YAML anchor: every use of it changes)' : ''}`,
    );
  }

  /** Record a value that already is as asked. */
  held(file: string, label: string, value: string): void {
    this.heldLines.push(`${file} already sets ${label} to ${value}`);
  }

  note(line: string): void {
    this.changedLines.push(line);
  }

  async plan(): Promise<Plan> {
    const changes: Plan['changes'] = [];
    for (const [path, pending] of this.files) {
      const f = await pending;
      if (f?.changed) changes.push({ path, before: f.text, after: f.render() });
    }
    for (const [path, after] of this.created) changes.push({ path, before: '', after });
    if (changes.length === 0) {
      const said = this.heldLines.length ? this.heldLines.join('; ') : 'the files already say so';
      throw new NoChangeError(`Nothing to change: ${said}.`);
    }
    changes.sort((a, b) => a.path.localeCompare(b.path));
    return { changes, summary: [...this.changedLines] };
  }
}
