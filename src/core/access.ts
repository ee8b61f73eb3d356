/**
 * Who may do what. Roles are sets of permissions; bindings give roles to deckhand identities or to
 * platform groups (Slack user groups, Discord roles), optionally scoped to Argo CD projects, app
 * globs and channels. Reads may come from default roles; anything that writes needs an explicit
 * binding — deny by default.
 */
import { z } from 'zod';
import { BootError, NotAllowedError } from './errors.ts';
import { anyGlob, globMatch } from './glob.ts';

export interface Actor {
  /** The deckhand identity (`alice`), or `<platform>:<user id>` for someone not in the config. */
  id: string;
  name: string;
  platform: string;
  platformUserId: string;
  /** Platform groups, prefixed: `slack:S0123`, `discord:role:1234`. */
  groups: string[];
  /** Known to the configuration (listed under identities). */
  known: boolean;
}

export interface AccessScope {
  app?: string;
  project?: string;
  channel?: string;
}

/**
 * The built-in roles with the core's own permissions. Each plugin adds its permissions to the roles
 * it names in its spec (`grants`), so a role's full list is the core's plus the plugins' — see
 * `rolesWith`; the plugin that owns a permission decides who has it by default.
 */
export const BUILTIN_ROLES: Record<string, string[]> = {
  viewer: ['deckhand.read'],
  auditor: ['deckhand.read', 'deckhand.audit'],
  operator: ['deckhand.read'],
  approver: ['deckhand.read'],
  admin: ['*'],
};

/** The built-in roles with the permissions plugins grant them (`{ plugin, grants }` per plugin). */
export function rolesWith(
  plugins: { id: string; grants?: Record<string, string[]> }[],
): Record<string, string[]> {
  const roles = Object.fromEntries(Object.entries(BUILTIN_ROLES).map(([r, ps]) => [r, [...ps]]));
  for (const p of plugins)
    for (const [permission, to] of Object.entries(p.grants ?? {}))
      for (const role of to) {
        const perms = roles[role];
        if (!perms)
          throw new BootError(
            `Plugin ${p.id} grants ${permission} to the role ${role}, which is not a built-in role (${Object.keys(BUILTIN_ROLES).join(', ')})`,
          );
        if (!perms.includes(permission)) perms.push(permission);
      }
  return roles;
}

const permission = z
  .string()
  .regex(/^(\*|[a-z][a-z0-9-]*\.(\*|[a-z][a-z0-9-]*))$/, 'a permission like argo.sync');

export const BindingSchema = z.strictObject({
  roles: z.array(z.string()).min(1),
  users: z.array(z.string()).default([]).describe('deckhand identities'),
  groups: z
    .array(z.string())
    .default([])
    .describe('platform groups: slack:<usergroup id>, discord:role:<id>'),
  projects: z.array(z.string()).optional().describe('Argo CD projects (globs) the binding is limited to'),
  apps: z.array(z.string()).optional().describe('application name globs the binding is limited to'),
  channels: z.array(z.string()).optional().describe('channel ids or names the binding is limited to'),
});

export const AccessConfigSchema = z
  .strictObject({
    roles: z.record(z.string(), z.array(permission)).default({}).describe('extra or overriding roles'),
    defaultRoles: z
      .array(z.string())
      .default(['viewer'])
      .describe('roles everyone has; only their read permissions count'),
    bindings: z.array(BindingSchema).default([]),
  })
  .superRefine((cfg, ctx) => {
    const roles = { ...BUILTIN_ROLES, ...cfg.roles };
    const check = (role: string, path: (string | number)[]) => {
      if (!roles[role]) ctx.addIssue({ code: 'custom', path, message: `unknown role '${role}'` });
    };
    cfg.defaultRoles.forEach((r, i) => check(r, ['defaultRoles', i]));
    cfg.bindings.forEach((b, i) => {
      b.roles.forEach((r, j) => check(r, ['bindings', i, 'roles', j]));
      if (b.users.length === 0 && b.groups.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['bindings', i], message: 'a binding needs users or groups' });
      }
    });
  });

export type AccessConfig = z.output<typeof AccessConfigSchema>;

export interface Grant {
  role: string;
  permissions: string[];
  /** Undefined for default roles, which grant reads only. */
  binding?: z.output<typeof BindingSchema>;
}

/** Whether a role's permissions (`argo.*` and `*` included) cover the wanted one. */
export const permits = (perms: string[], wanted: string): boolean =>
  perms.some((p) => p === '*' || p === wanted || (p.endsWith('.*') && wanted.startsWith(p.slice(0, -1))));

export class AccessPolicy {
  private readonly roles: Record<string, string[]>;
  /** Permissions used by commands or actions that change things. */
  private readonly writes = new Set<string>();

  private readonly cfg: AccessConfig;

  /** `builtin`: the built-in roles with the plugins' grants (rolesWith); config roles override them. */
  constructor(cfg: AccessConfig, builtin: Record<string, string[]> = BUILTIN_ROLES) {
    this.cfg = cfg;
    this.roles = { ...builtin, ...cfg.roles };
  }

  markWrite(permission: string): void {
    this.writes.add(permission);
  }

  isWrite(permission: string): boolean {
    return this.writes.has(permission);
  }

  grants(actor: Actor): Grant[] {
    const out: Grant[] = this.cfg.defaultRoles.map((role) => ({ role, permissions: this.roles[role] ?? [] }));
    for (const b of this.cfg.bindings) {
      const byUser = b.users.includes(actor.id);
      const byGroup = b.groups.some((g) => actor.groups.includes(g));
      if (!byUser && !byGroup) continue;
      for (const role of b.roles) out.push({ role, permissions: this.roles[role] ?? [], binding: b });
    }
    return out;
  }

  private scopeMatches(grant: Grant, scope: AccessScope | undefined, strict: boolean): boolean {
    const b = grant.binding;
    if (!b) return true;
    if (b.channels && scope?.channel !== undefined && !b.channels.includes(scope.channel)) return false;
    if (b.apps) {
      if (scope?.app === undefined) return !strict;
      if (!anyGlob(b.apps, scope.app)) return false;
    }
    if (b.projects) {
      if (scope?.project === undefined) return !strict;
      if (!b.projects.some((p) => globMatch(p, scope.project as string))) return false;
    }
    return true;
  }

  /**
   * Whether the actor holds the permission. Without an app/project in the scope, a grant limited
   * to apps counts (the command checks again once it knows the app); with one, it must match.
   */
  can(actor: Actor, permission: string, scope?: AccessScope): boolean {
    const write = this.writes.has(permission);
    return this.grants(actor).some(
      (g) =>
        (g.binding !== undefined || !write) &&
        permits(g.permissions, permission) &&
        this.scopeMatches(g, scope, scope?.app !== undefined || scope?.project !== undefined),
    );
  }

  require(actor: Actor, permission: string, scope?: AccessScope): void {
    if (this.can(actor, permission, scope)) return;
    const where = scope?.app ? ` for ${scope.app}` : scope?.project ? ` in project ${scope.project}` : '';
    throw new NotAllowedError(permission, `You (${actor.id}) need the permission ${permission}${where}.`, {
      hint: 'Ask an admin to bind you to a role that has it; `whoami` shows what you have.',
    });
  }

  /** Effective permissions, for `whoami`. */
  describe(actor: Actor): { role: string; permissions: string[]; scope?: string; readOnly?: boolean }[] {
    return this.grants(actor).map((g) => {
      const b = g.binding;
      const scope = b
        ? [
            b.projects && `projects ${b.projects.join(',')}`,
            b.apps && `apps ${b.apps.join(',')}`,
            b.channels && `channels ${b.channels.join(',')}`,
          ]
            .filter(Boolean)
            .join('; ') || undefined
        : undefined;
      return { role: g.role, permissions: g.permissions, scope, readOnly: b ? undefined : true };
    });
  }
}
