/** The generated reference docs are committed; they must match the code (run `npm run docs`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commandsMarkdown,
  configMarkdown,
  readmeCommands,
  registeredCommands,
  withReadmeCommands,
} from '../src/docs/generate.ts';

const docs = join(import.meta.dirname, '..', 'docs');

describe('generated docs', () => {
  it('docs/commands.md is current', async () => {
    expect(readFileSync(join(docs, 'commands.md'), 'utf8'), 'run npm run docs').toBe(
      commandsMarkdown(await registeredCommands()),
    );
  });
  it('the README command table is current', async () => {
    const readme = readFileSync(join(docs, '..', 'README.md'), 'utf8');
    expect(readme).toContain('<!-- commands -->');
    expect(readme, 'run npm run docs').toBe(
      withReadmeCommands(readme, readmeCommands(await registeredCommands())),
    );
  });
  it('docs/configuration.md is current', () => {
    expect(readFileSync(join(docs, 'configuration.md'), 'utf8'), 'run npm run docs').toBe(configMarkdown());
  });
});
