import { writeFileSync } from 'node:fs';
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
