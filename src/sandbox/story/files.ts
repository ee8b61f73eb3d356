/**
 * The files a story reads beside it. Every read goes through here, so that whoever expands a story
 * can learn which files (and directory listings) its world was made from, and tell later whether
 * any of them changed (see loadScenario's cache).
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { resolve } from 'node:path';
import { StoryProblem } from './containers.ts';

let reads: Map<string, string> | undefined;

/**
 * What tells that a file or folder changed: its modification time and size (a folder's change when
 * entries come or go). Taken before the read, so a change during it shows as a change after.
 */
export function stamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.mtimeMs}/${st.size}`;
  } catch {
    return 'gone';
  }
}

/** What `make` returns, and each path a story read while it ran with its stamp (stories expand synchronously). */
export function recordingReads<T>(make: () => T): { value: T; reads: [string, string][] } {
  const outer = reads;
  const mine = new Map<string, string>();
  reads = mine;
  try {
    return { value: make(), reads: [...mine] };
  } finally {
    reads = outer;
  }
}

export function readText(path: string): string {
  reads?.set(path, stamp(path));
  return readFileSync(path, 'utf8');
}

export function listDir(dir: string): Dirent[] {
  reads?.set(dir, stamp(dir));
  return readdirSync(dir, { withFileTypes: true });
}

/** A file a story names, relative to the story's folder; a problem at `where` when it cannot be read. */
export function besideStory(base: string | undefined, file: string, where: string): string {
  if (!base) throw new StoryProblem(where, 'a file beside the story needs a story read from a file');
  try {
    return readText(resolve(base, file));
  } catch {
    throw new StoryProblem(where, `${file}: no such file beside the story`);
  }
}
