/**
 * Platform users become deckhand identities, so access control sees the same person on Slack,
 * Discord and the console.
 */
import { z } from 'zod';
import type { Actor } from './access.ts';

export const IdentitySchema = z.strictObject({
  name: z.string().optional(),
  slack: z.string().optional().describe('Slack user id (U…)'),
  discord: z.string().optional().describe('Discord user id (snowflake)'),
  console: z.string().optional().describe('console user name, when it differs from the identity'),
  email: z.string().optional(),
});

export const IdentitiesSchema = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'identity ids are lowercase'), IdentitySchema)
  .default({});

export type Identities = z.output<typeof IdentitiesSchema>;

export interface PlatformUser {
  platform: string;
  id: string;
  name?: string;
  /** Platform groups, already prefixed (`slack:S0123`, `discord:role:42`). */
  groups?: string[];
}

export class IdentityResolver {
  private readonly index = new Map<string, string>();

  private readonly identities: Identities;

  constructor(identities: Identities) {
    this.identities = identities;
    for (const [id, ident] of Object.entries(identities)) {
      for (const platform of ['slack', 'discord', 'console'] as const) {
        const uid = ident[platform];
        if (uid) this.index.set(`${platform}:${uid}`, id);
      }
      if (!ident.console) this.index.set(`console:${id}`, id);
    }
  }

  resolve(user: PlatformUser): Actor {
    const id = this.index.get(`${user.platform}:${user.id}`);
    const ident = id ? this.identities[id] : undefined;
    return {
      id: id ?? `${user.platform}:${user.id}`,
      name: ident?.name ?? user.name ?? id ?? user.id,
      platform: user.platform,
      platformUserId: user.id,
      groups: user.groups ?? [],
      known: id !== undefined,
    };
  }

  /** The platform user id of an identity, to mention them. */
  platformId(identity: string, platform: string): string | undefined {
    const ident = this.identities[identity];
    if (!ident) return undefined;
    if (platform === 'console') return ident.console ?? identity;
    return ident[platform as 'slack' | 'discord'];
  }
}
