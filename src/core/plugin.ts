/**
 * The plugin contract. A plugin is an inert value: importing it does nothing. It states its id,
 * its config schema, the services it needs and the ones it provides; the host calls `init` once,
 * in dependency order, with everything resolved.
 */
import type { z } from 'zod';
import type { ActionSpec } from './actions.ts';
import type { CommandSpec } from './commands/define.ts';
import type { JobSpec } from './jobs.ts';
import type { Logger } from './logging.ts';
import type { Resolved, Token, TokenMap } from './token.ts';
import type { WebhookSpec } from './http/webhooks.ts';

export interface PluginContext<C, D extends TokenMap> {
  id: string;
  config: C;
  deps: Resolved<D>;
  log: Logger;
  commands: { add(...specs: CommandSpec[]): void };
  actions: { add(...specs: ActionSpec[]): void };
  jobs: { add(...jobs: JobSpec[]): void };
  /** Routes mounted under /hooks/<plugin id>/. */
  webhooks: { add(...routes: WebhookSpec[]): void };
  /** Make a service available to plugins that declare it (it must be listed in `provides`). */
  provide<T>(token: Token<T>, value: T): void;
  /** Runs after every plugin has initialised, before adapters accept messages. */
  onStart(fn: () => void | Promise<void>): void;
  /**
   * Starts long-running work that acts on its own (watch-driven alerts, resumed follow-ups), after
   * the onStart hooks, in a bot that keeps running. A one-shot `deckhand exec` does not run it:
   * it would act for a moment and be cut off, and the serving bot does that work.
   */
  onServe(fn: () => void | Promise<void>): void;
  /** Runs on shutdown, in reverse order of registration, within the shutdown deadline. */
  onClose(fn: () => void | Promise<void>): void;
}

export interface PluginSpec<S extends z.ZodType = z.ZodType, D extends TokenMap = TokenMap> {
  /** kebab-case, unique; names the config section (`plugins.<id>`), log field and webhook prefix. */
  id: string;
  summary: string;
  /** The plugin's config section; it must accept `{}` so the plugin loads without configuration. */
  config?: S;
  deps?: D;
  provides?: Token<unknown>[];
  /** Start-up deadline for init; the default is the host's. */
  initTimeoutMs?: number;
  init(ctx: PluginContext<z.output<S>, D>): void | Promise<void>;
}

export type AnyPlugin = PluginSpec<z.ZodType, TokenMap>;

export const definePlugin = <S extends z.ZodType, D extends TokenMap>(
  spec: PluginSpec<S, D>,
): PluginSpec<S, D> => spec;
