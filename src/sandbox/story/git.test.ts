import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { parseScenario, ScenarioError } from '../scenario.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A story folder: the story, the head's files under repo/, and the history. */
function folder(files: Record<string, string>, history: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'story-git-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'repo', path)), { recursive: true });
    writeFileSync(join(dir, 'repo', path), text);
  }
  writeFileSync(join(dir, 'history.yaml'), dump(history));
  return dir;
}

const story = (dir: string) =>
  parseScenario(
    dump({
      apiVersion: 'deckhand.dev/v1alpha1',
      kind: 'Story',
      metadata: { name: 'git' },
      now: '2026-05-04T09:30:00Z',
      repo: 'https://github.com/example/infra',
      git: { branch: 'main', files: 'repo', history: 'history.yaml' },
    }),
    join(dir, 'story.yaml'),
  );

const who = { author: 'Dana Lee <dana@example.com>' };

describe('a story whose repository is kept on disk', () => {
  it('tells each commit by what it wrote, applying the patches backwards from the head', () => {
    const dir = folder(
      { 'app/kustomization.yaml': 'resources: [deployment.yaml]\nimages:\n  - newTag: 1.2.0\n' },
      [
        { message: 'first', ...who, date: '2026-05-01T10:00:00+09:00' },
        { message: 'add a note', ...who, date: '2026-05-02T10:00:00+09:00', added: ['NOTE.md'] },
        {
          message: '1.2.0',
          ...who,
          date: '2026-05-03T10:00:00+09:00',
          deleted: { 'NOTE.md': 'remember\n' },
          patch: [
            '--- app/kustomization.yaml',
            '+++ app/kustomization.yaml',
            '@@ -2,2 +2,2 @@',
            ' images:',
            '-  - newTag: 1.1.0',
            '+  - newTag: 1.2.0',
            '',
          ].join('\n'),
        },
      ],
    );
    const git = story(dir).git[0];
    expect(git?.branch).toBe('main');
    expect(git?.files).toEqual({ 'app/kustomization.yaml': expect.stringContaining('1.2.0') });
    expect(git?.history.map((c) => c.files)).toEqual([
      { 'app/kustomization.yaml': 'resources: [deployment.yaml]\nimages:\n  - newTag: 1.1.0\n' },
      { 'NOTE.md': 'remember\n' },
      {
        'app/kustomization.yaml': 'resources: [deployment.yaml]\nimages:\n  - newTag: 1.2.0\n',
        'NOTE.md': null,
      },
    ]);
  });

  it('says where a patch does not fit the tree the commit left', () => {
    const dir = folder({ 'a.txt': 'one\n' }, [
      { message: 'first', ...who, date: '2026-05-01T10:00:00+09:00' },
      {
        message: 'two',
        ...who,
        date: '2026-05-02T10:00:00+09:00',
        patch: '--- a.txt\n+++ a.txt\n@@ -1 +1 @@\n-one\n+two\n',
      },
    ]);
    expect(() => story(dir)).toThrow(ScenarioError);
    expect(() => story(dir)).toThrow(
      /git\.history\(history\.yaml\)\.1\.patch: the patch does not match a\.txt at line 1/,
    );
  });

  it('is read from a file: a story given as text alone cannot find its repository', () => {
    const dir = folder({ 'a.txt': 'one\n' }, [
      { message: 'first', ...who, date: '2026-05-01T10:00:00+09:00' },
    ]);
    const text = dump({
      apiVersion: 'deckhand.dev/v1alpha1',
      kind: 'Story',
      metadata: { name: 'git' },
      now: '2026-05-04T09:30:00Z',
      repo: 'https://github.com/example/infra',
      git: { files: join(dir, 'repo'), history: join(dir, 'history.yaml') },
    });
    expect(() => parseScenario(text)).toThrow(/git: a story with a repository on disk is read from a file/);
  });
});
