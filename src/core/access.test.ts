import { describe, expect, it } from 'vitest';
import { AccessConfigSchema, AccessPolicy, BUILTIN_ROLES, rolesWith, type Actor } from './access.ts';
import { bundledPlugins } from '../plugins/index.ts';
import { NotAllowedError } from './errors.ts';

const actor = (id: string, groups: string[] = []): Actor => ({
  id,
  name: id,
  platform: 'slack',
  platformUserId: 'U1',
  groups,
  known: true,
});

const policy = (cfg: unknown) => {
  const p = new AccessPolicy(AccessConfigSchema.parse(cfg), rolesWith(bundledPlugins));
  for (const w of ['argo.sync', 'argo.mute', 'gitops.propose', 'gitops.approve']) p.markWrite(w);
  return p;
};

describe('access policy', () => {
  it('gives everyone reads from the default roles, and no writes', () => {
    const p = policy({});
    expect(p.can(actor('nobody'), 'argo.read')).toBe(true);
    expect(p.can(actor('nobody'), 'argo.sync')).toBe(false);
  });

  it('denies writes even when a default role would include them', () => {
    const p = policy({ defaultRoles: ['operator'] });
    expect(p.can(actor('nobody'), 'argo.sync')).toBe(false);
    expect(p.can(actor('nobody'), 'argo.read')).toBe(true);
  });

  it('grants through users and through platform groups', () => {
    const p = policy({
      bindings: [
        { roles: ['operator'], users: ['alice'] },
        { roles: ['approver'], groups: ['slack:S0PLATFORM'] },
      ],
    });
    expect(p.can(actor('alice'), 'gitops.propose')).toBe(true);
    expect(p.can(actor('alice'), 'gitops.approve')).toBe(false);
    expect(p.can(actor('carol', ['slack:S0PLATFORM']), 'gitops.approve')).toBe(true);
  });

  it('limits a binding to app globs, projects and channels', () => {
    const p = policy({
      bindings: [{ roles: ['operator'], users: ['alice'], apps: ['naver-*'], channels: ['C0OPS'] }],
    });
    const alice = actor('alice');
    expect(p.can(alice, 'argo.sync', { app: 'naver-news', channel: 'C0OPS' })).toBe(true);
    expect(p.can(alice, 'argo.sync', { app: 'payments', channel: 'C0OPS' })).toBe(false);
    expect(p.can(alice, 'argo.sync', { app: 'naver-news', channel: 'C0RANDOM' })).toBe(false);
    // Before the app is known, the coarse check lets the command run and check again.
    expect(p.can(alice, 'argo.sync', { channel: 'C0OPS' })).toBe(true);
    const q = policy({ bindings: [{ roles: ['approver'], users: ['bob'], projects: ['flash-*'] }] });
    expect(q.can(actor('bob'), 'gitops.approve', { project: 'flash-tickets' })).toBe(true);
    expect(q.can(actor('bob'), 'gitops.approve', { project: 'default' })).toBe(false);
  });

  it('grants argo.mute to operators and up, never to viewers, auditors or through default roles', () => {
    const roles = ['viewer', 'auditor', 'operator', 'approver', 'admin'];
    const p = policy({ bindings: roles.map((r) => ({ roles: [r], users: [r] })) });
    const muters = roles.filter((r) => p.can(actor(r), 'argo.mute', { app: 'web' }));
    expect(muters).toEqual(['operator', 'approver', 'admin']);
    expect(p.can(actor('nobody'), 'argo.mute')).toBe(false);
    expect(policy({ defaultRoles: ['operator'] }).can(actor('nobody'), 'argo.mute')).toBe(false);
  });

  it('supports wildcards in roles', () => {
    const p = policy({
      roles: { gitopsall: ['gitops.*'] },
      bindings: [{ roles: ['gitopsall'], users: ['dora'] }],
    });
    expect(p.can(actor('dora'), 'gitops.approve')).toBe(true);
    expect(p.can(actor('dora'), 'argo.sync')).toBe(false);
    expect(
      policy({ bindings: [{ roles: ['admin'], users: ['root'] }] }).can(actor('root'), 'anything.at-all'),
    ).toBe(true);
  });

  it('names the missing permission when it refuses', () => {
    const p = policy({});
    try {
      p.require(actor('carol'), 'argo.sync', { app: 'web' });
      throw new Error('should refuse');
    } catch (e) {
      expect(e).toBeInstanceOf(NotAllowedError);
      expect((e as NotAllowedError).permission).toBe('argo.sync');
      expect((e as Error).message).toBe('You (carol) need the permission argo.sync for web.');
    }
  });
});

describe('roles from the plugins that own the permissions', () => {
  it('adds each plugin grant to the built-in roles it names', () => {
    const roles = rolesWith([
      { id: 'weather', grants: { 'weather.read': ['viewer'], 'weather.set': ['operator'] } },
    ]);
    expect(roles.viewer).toEqual(['deckhand.read', 'weather.read']);
    expect(roles.operator).toEqual(['deckhand.read', 'weather.set']);
    expect(roles.admin).toEqual(['*']);
    // The built-in roles themselves are left as they were.
    expect(BUILTIN_ROLES.viewer).toEqual(['deckhand.read']);
  });

  it('refuses a grant to a role that is not built in', () => {
    expect(() => rolesWith([{ id: 'weather', grants: { 'weather.read': ['forecaster'] } }])).toThrow(
      /Plugin weather grants weather.read to the role forecaster/,
    );
  });

  it('gives the bundled plugins the defaults the docs promise', () => {
    const roles = rolesWith(bundledPlugins);
    const reads = ['deckhand.read', 'argo.read', 'k8s.read', 'gitops.read'];
    expect(new Set(roles.viewer)).toEqual(new Set(reads));
    // What the notification sinks sent and failed is read with the audit trail.
    expect(new Set(roles.auditor)).toEqual(new Set([...reads, 'deckhand.audit', 'notify.read']));
    // Sending a digest beyond chat is a write: a binding to operator or approver grants it.
    const writes = ['gitops.propose', 'argo.sync', 'argo.mute', 'digest.send'];
    expect(new Set(roles.operator)).toEqual(new Set([...reads, ...writes]));
    expect(new Set(roles.approver)).toEqual(new Set([...reads, ...writes, 'gitops.approve']));
  });
});
