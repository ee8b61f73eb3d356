/**
 * Platform users become deckhand identities, so access control sees the same person on every chat
 * platform and the console. The platforms are the adapters': an identity has a key per adapter
 * id (`slack: U…`, `discord: …`, whatever a new adapter is called), so adding a platform touches
 * no file here.
 */
import { z } from 'zod';
import type { Actor } from './access.ts';

/** Keys of an identity that are not a platform's user id. */
const OWN_KEYS = new Set(['name', 'email']);

/** A person's identities, with one user-id key per chat platform (`platforms`: id → what it is). */
export function identitiesSchema(platforms: { id: string; userId?: string }[] = []) {
  const identity = z.strictObject({
    name: z.string().optional(),
    email: z.string().optional(),
    console: z.string().optional().describe('console user name, when it differs from the identity'),
    ...Object.fromEntries(
      platforms
        .filter((p) => p.id !== 'console' && !OWN_KEYS.has(p.id))
        .map((p) => [
          p.id,
          z
            .string()
            .optional()
            .describe(p.userId ?? `${p.id} user id`),
        ]),
    ),
  });
  return z
    .record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'identity ids are lowercase'), identity)
    .default({});
}

/** An identity: its name and email, and its user id on each platform (keyed by adapter id). */
export type Identity = { name?: string; email?: string } & { [platform: string]: string | undefined };
export type Identities = Record<string, Identity>;

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
      for (const [platform, uid] of Object.entries(ident)) {
        if (!OWN_KEYS.has(platform) && uid) this.index.set(`${platform}:${uid}`, id);
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
    return ident[platform];
  }
}
