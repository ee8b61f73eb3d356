import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp.ts';
import { loadScenario } from './scenario.ts';

const world = (replicas: number) => `
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: { name: cached }
git:
  - url: https://github.com/acme/infra
    files: { 'a.yaml': 'replicas: ${replicas}' }
`;

describe('loadScenario, read again', () => {
  it('gives an equal scenario of its own each time, and the new content once the file changes', () => {
    const file = join(tempDir('deckhand-scenario-'), 'world.yaml');
    writeFileSync(file, world(1));
    const first = loadScenario(file);
    const second = loadScenario(file);
    expect(second).toEqual(first);
    // A caller that changes its copy changes nobody else's.
    first.git[0]!.files['a.yaml'] = 'changed';
    expect(loadScenario(file).git[0]!.files['a.yaml']).toBe('replicas: 1');
    writeFileSync(file, world(2));
    expect(loadScenario(file).git[0]!.files['a.yaml']).toBe('replicas: 2');
  });
});

const story = `
apiVersion: deckhand.dev/v1alpha1
kind: Story
metadata: { name: cached-story }
now: 2026-08-24T10:00:00Z
repo: https://github.com/acme/infra
git: { files: repo, history: history.yaml }
`;

describe('loadScenario of a story, read again', () => {
  it('is read again when a file or folder beside it changed, and not otherwise', () => {
    const dir = tempDir('deckhand-story-');
    mkdirSync(join(dir, 'repo'));
    writeFileSync(join(dir, 'repo', 'a.yaml'), 'replicas: 1\n');
    writeFileSync(
      join(dir, 'history.yaml'),
      '- { message: first, author: me, date: 2026-08-01T00:00:00Z }\n',
    );
    const file = join(dir, 'story.yaml');
    writeFileSync(file, story);
    const first = loadScenario(file);
    expect(loadScenario(file)).toEqual(first);
    writeFileSync(join(dir, 'repo', 'a.yaml'), 'replicas: 22\n');
    expect(loadScenario(file).git[0]!.files['a.yaml']).toBe('replicas: 22\n');
    writeFileSync(join(dir, 'repo', 'b.yaml'), 'kind: new\n');
    expect(Object.keys(loadScenario(file).git[0]!.files)).toEqual(['a.yaml', 'b.yaml']);
  });
});
