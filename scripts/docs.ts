/** Write the generated reference docs (commands, configuration) under docs/. Run: npm run docs */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandsMarkdown,
  configMarkdown,
  readmeCommands,
  registeredCommands,
  withReadmeCommands,
} from '../src/docs/generate.ts';

const root = join(import.meta.dirname, '..');
const commands = await registeredCommands();
writeFileSync(join(root, 'docs/commands.md'), commandsMarkdown(commands));
const readme = join(root, 'README.md');
writeFileSync(readme, withReadmeCommands(readFileSync(readme, 'utf8'), readmeCommands(commands)));
writeFileSync(join(root, 'docs/configuration.md'), configMarkdown());
console.log('docs/commands.md, docs/configuration.md and the README command table written');
