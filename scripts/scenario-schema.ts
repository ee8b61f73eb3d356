/**
 * Writes docs/scenario.schema.json, the JSON Schema of scenario files for editors (point
 * yaml-language-server at it). Generated from the zod schemas the sandbox parses with; run
 *
 *     npx node scripts/scenario-schema.ts
 *
 * after changing src/sandbox/scenario.ts, src/sandbox/simulation.ts or src/sandbox/story/schema.ts (a
 * test checks it is current). A file is either a scenario or a story (`kind: Story`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { z } from 'zod';
import { ScenarioSchema } from '../src/sandbox/scenario.ts';
import { StorySchema } from '../src/sandbox/story/schema.ts';

export const SCHEMA_FILE = join(import.meta.dirname, '..', 'docs', 'scenario.schema.json');

/** The schema as an editor should see it: what a file may contain (zod's input side, defaults optional). */
export function scenarioJsonSchema(): Record<string, unknown> {
  return {
    title: 'deckhand sandbox scenario',
    ...z.toJSONSchema(z.union([ScenarioSchema, StorySchema]), {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
    }),
  };
}

/** The file as committed: the schema, formatted as the repository formats JSON. */
export async function renderScenarioSchema(): Promise<string> {
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(scenarioJsonSchema(), null, 2), { ...options, parser: 'json' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, await renderScenarioSchema());
  process.stdout.write('wrote docs/scenario.schema.json\n');
}
