/**
 * What each permission is used for, read from the declarations of commands and buttons (actions).
 * `whoami` and the generated docs/permissions.md both derive from this, so neither keeps a list of
 * its own that could drift from the code.
 */
import type { Effect } from './commands/define.ts';

export interface DeclaredCommand {
  name: string;
  permission: string;
  effect: Effect;
}

export interface DeclaredAction {
  kind: string;
  permission: string;
  effect: Effect;
  summary?: string;
}

export interface PermissionUse {
  permission: string;
  /** As the host marks writes: any command or button using it that changes things makes it one. */
  write: boolean;
  commands: string[];
  /** What each button does (its summary, or its kind when it has none). */
  buttons: string[];
}

/** Every permission some command or button declares, sorted by name. */
export function permissionUses(commands: DeclaredCommand[], actions: DeclaredAction[]): PermissionUse[] {
  const uses = new Map<string, PermissionUse>();
  const use = (permission: string): PermissionUse => {
    let u = uses.get(permission);
    if (!u) {
      u = { permission, write: false, commands: [], buttons: [] };
      uses.set(permission, u);
    }
    return u;
  };
  for (const c of commands) {
    const u = use(c.permission);
    u.commands.push(c.name);
    u.write ||= c.effect === 'write';
  }
  for (const a of actions) {
    const u = use(a.permission);
    u.buttons.push(a.summary ?? a.kind);
    u.write ||= a.effect === 'write';
  }
  return [...uses.values()].sort((a, b) => a.permission.localeCompare(b.permission));
}

/** The permissions that change things, whether a command or only a button uses them. */
export function writePermissions(commands: DeclaredCommand[], actions: DeclaredAction[]): string[] {
  return permissionUses(commands, actions)
    .filter((u) => u.write)
    .map((u) => u.permission);
}
