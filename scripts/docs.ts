/** Write the generated reference docs (commands, configuration) under docs/. Run: npm run docs */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandsMarkdown, configMarkdown, registeredCommands } from '../src/docs/generate.ts';

const root = join(import.meta.dirname, '..');
writeFileSync(join(root, 'docs/commands.md'), commandsMarkdown(await registeredCommands()));
writeFileSync(join(root, 'docs/configuration.md'), configMarkdown());
console.log('docs/commands.md and docs/configuration.md written');
