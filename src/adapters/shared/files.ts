/**
 * Files a renderer hands to its adapter for upload: the message's own attachments, and the full
 * text of any block it had to trim, so nothing is lost to a platform limit.
 */
import type { Attachment } from '../../core/message/model.ts';

export interface OutFile {
  filename: string;
  title?: string;
  content?: string;
  path?: string;
  contentType: string;
}

const extensions: Record<string, string> = {
  diff: 'diff',
  patch: 'diff',
  yaml: 'yaml',
  yml: 'yaml',
  json: 'json',
  log: 'log',
  sh: 'sh',
  bash: 'sh',
};

/** A file name that is safe on every platform: letters, digits, dot, dash and underscore. */
const slug = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 60);

export class FileSet {
  readonly files: OutFile[] = [];
  private readonly used = new Set<string>();

  attach(a: Attachment): void {
    this.used.add(a.filename);
    this.files.push({ ...a });
  }

  /** Add text under a name made from `title` (or `fallback`); returns the name it got. */
  addText(o: { title?: string; fallback: string; language?: string; content: string }): string {
    const lang = o.language?.toLowerCase() ?? '';
    const ext = extensions[lang] ?? 'txt';
    const base = slug(o.title ?? '') || o.fallback;
    let name = `${base}.${ext}`;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}.${ext}`;
    this.used.add(name);
    this.files.push({
      filename: name,
      ...(o.title ? { title: o.title } : {}),
      content: o.content,
      contentType: ext === 'diff' ? 'text/x-diff' : ext === 'json' ? 'application/json' : 'text/plain',
    });
    return name;
  }
}
