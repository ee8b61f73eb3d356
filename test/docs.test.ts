/** The generated reference docs are committed; they must match the code (run `npm run docs`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandsMarkdown, configMarkdown, registeredCommands } from '../src/docs/generate.ts';

const docs = join(import.meta.dirname, '..', 'docs');

describe('generated docs', () => {
  it('docs/commands.md is current', async () => {
    expect(readFileSync(join(docs, 'commands.md'), 'utf8'), 'run npm run docs').toBe(
      commandsMarkdown(await registeredCommands()),
    );
  });
  it('docs/configuration.md is current', () => {
    expect(readFileSync(join(docs, 'configuration.md'), 'utf8'), 'run npm run docs').toBe(configMarkdown());
  });
});
