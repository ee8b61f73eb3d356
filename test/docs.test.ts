/** The generated reference docs are committed; they must match the code (run `npm run docs`). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commandsMarkdown,
  configMarkdown,
  readmeCommands,
  registeredCommands,
  registeredDeclarations,
  withReadmeCommands,
} from '../src/docs/generate.ts';
import { betweenMarkers, withPermissionTables } from '../src/docs/permissions.ts';
import { rolesWith } from '../src/core/access.ts';
import { bundledPlugins } from '../src/plugins/index.ts';

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
  it('the permission and role tables of docs/permissions.md are current', async () => {
    const doc = readFileSync(join(docs, 'permissions.md'), 'utf8');
    const { commands, actions } = await registeredDeclarations();
    expect(doc, 'run npm run docs').toBe(
      withPermissionTables(doc, commands, actions, rolesWith(bundledPlugins)),
    );
    // The table says what the code decides: muting is a write, and so is approving, by button or command.
    expect(doc).toMatch(/^\| `argo\.mute` \| `argo mute`, `argo unmute` \| — \| yes \|$/m);
    expect(doc).toMatch(
      /^\| `gitops\.approve` \| `gitops approve`, `gitops reject` \| Approve [^|]+ \| yes \|$/m,
    );
    expect(doc).toMatch(/^\| `viewer` \| [^|]+ \| — \|$/m);
  });
  it('refuses a document without the markers instead of leaving it as it was', () => {
    expect(() => betweenMarkers('# Permissions\n', 'roles', 'x')).toThrow(/<!-- roles -->/);
    expect(betweenMarkers('a <!-- roles -->old<!-- /roles --> b', 'roles', '$& new')).toBe(
      'a <!-- roles -->\n$& new\n<!-- /roles --> b',
    );
  });
  it('docs/configuration.md is current', () => {
    expect(readFileSync(join(docs, 'configuration.md'), 'utf8'), 'run npm run docs').toBe(configMarkdown());
  });
});
