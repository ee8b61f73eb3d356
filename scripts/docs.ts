/** Write the generated reference docs (commands, configuration, permissions) under docs/. Run: npm run docs */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandsMarkdown,
  configMarkdown,
  readmeCommands,
  registeredDeclarations,
  withReadmeCommands,
} from '../src/docs/generate.ts';
import { rolesWith } from '../src/core/access.ts';
import { withPermissionTables } from '../src/docs/permissions.ts';
import { bundledPlugins } from '../src/plugins/index.ts';

const root = join(import.meta.dirname, '..');
const { commands, actions } = await registeredDeclarations();
writeFileSync(join(root, 'docs/commands.md'), commandsMarkdown(commands));
const readme = join(root, 'README.md');
writeFileSync(readme, withReadmeCommands(readFileSync(readme, 'utf8'), readmeCommands(commands)));
writeFileSync(join(root, 'docs/configuration.md'), configMarkdown());
const permissions = join(root, 'docs/permissions.md');
writeFileSync(
  permissions,
  withPermissionTables(readFileSync(permissions, 'utf8'), commands, actions, rolesWith(bundledPlugins)),
);
console.log(
  'docs/commands.md, docs/configuration.md, the README command table and the tables of docs/permissions.md written',
);
