/**
 * Which Slack user groups each user belongs to, for access bindings like `slack:S0123`. Read with
 * usergroups.list (scope usergroups:read), cached for a few minutes; without the scope, no groups.
 */
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../core/logging.ts';

export class UserGroups {
  private byUser = new Map<string, string[]>();
  private loadedAt = 0;
  private loading?: Promise<void>;
  private disabled = false;
  private readonly client: WebClient;
  private readonly log: Logger;
  private readonly ttlMs: number;

  constructor(client: WebClient, log: Logger, ttlMs = 5 * 60_000) {
    this.client = client;
    this.log = log;
    this.ttlMs = ttlMs;
  }

  async of(userId: string): Promise<string[]> {
    if (this.disabled) return [];
    if (Date.now() - this.loadedAt > this.ttlMs) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
    }
    return this.byUser.get(userId) ?? [];
  }

  private async load(): Promise<void> {
    try {
      const res = await this.client.usergroups.list({ include_users: true });
      const next = new Map<string, string[]>();
      for (const g of res.usergroups ?? []) {
        for (const u of g.users ?? []) next.set(u, [...(next.get(u) ?? []), `slack:${g.id}`]);
      }
      this.byUser = next;
      this.loadedAt = Date.now();
    } catch (err) {
      // Most often missing_scope: bindings by identity still work.
      this.log.warn(
        { err: (err as Error).message },
        'cannot read Slack user groups; group bindings will not match',
      );
      this.disabled = true;
    }
  }
}
