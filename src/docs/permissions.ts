/**
 * The permission and role tables of docs/permissions.md, generated from the command and button
 * declarations and the built-in roles. The prose around them stays hand-written; the tables sit
 * between marker comments, so `npm run docs` can replace them and a test can tell when they are stale.
 */
import { permits } from '../core/access.ts';
import { permissionUses, type DeclaredAction, type DeclaredCommand } from '../core/permissions.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const codes = (xs: string[]) => xs.map((x) => `\`${x}\``).join(', ');

/** Every permission a command or button uses, plus any a built-in role names that nothing uses. */
export function permissionsTable(
  commands: DeclaredCommand[],
  actions: DeclaredAction[],
  roles: Record<string, string[]>,
): string {
  const uses = permissionUses(commands, actions);
  const fromRoles = Object.values(roles)
    .flat()
    .filter((p) => !p.includes('*') && !uses.some((u) => u.permission === p));
  const rows = [
    ...uses,
    ...[...new Set(fromRoles)].map((permission) => ({ permission, write: false, commands: [], buttons: [] })),
  ].sort((a, b) => a.permission.localeCompare(b.permission));
  return [
    '| permission | commands | buttons | write |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (u) =>
        `| \`${u.permission}\` | ${codes(u.commands) || '—'} | ${cell(u.buttons.join('; ')) || '—'} | ${u.write ? 'yes' : ''} |`,
    ),
  ].join('\n');
}

/** The built-in roles, and which writes each would grant through a binding. */
export function rolesTable(
  commands: DeclaredCommand[],
  actions: DeclaredAction[],
  roles: Record<string, string[]>,
): string {
  const writes = permissionUses(commands, actions)
    .filter((u) => u.write)
    .map((u) => u.permission);
  return [
    '| role | permissions | writes it grants through a binding |',
    '| --- | --- | --- |',
    ...Object.entries(roles).map(([role, perms]) => {
      const all = perms.includes('*') ? '`*` (every permission)' : codes(perms);
      return `| \`${role}\` | ${all} | ${codes(writes.filter((w) => permits(perms, w))) || '—'} |`;
    }),
  ].join('\n');
}

/** Put `content` between `<!-- name -->` and `<!-- /name -->`; missing markers are an error, not a no-op. */
export function betweenMarkers(doc: string, name: string, content: string): string {
  const re = new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`);
  if (!re.test(doc)) throw new Error(`the document has no <!-- ${name} --> … <!-- /${name} --> markers`);
  return doc.replace(re, () => `<!-- ${name} -->\n${content}\n<!-- /${name} -->`);
}

export function withPermissionTables(
  doc: string,
  commands: DeclaredCommand[],
  actions: DeclaredAction[],
  roles: Record<string, string[]>,
): string {
  const withPermissions = betweenMarkers(doc, 'permissions', permissionsTable(commands, actions, roles));
  return betweenMarkers(withPermissions, 'roles', rolesTable(commands, actions, roles));
}
