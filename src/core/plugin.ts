/**
 * The plugin contract. A plugin is an inert value: importing it does nothing. It states its id,
 * its config schema, the services it needs (or can do without) and the ones it provides; the host
 * calls `init` once, in dependency order, with everything resolved.
 */
import type { z } from 'zod';
import type { ActionSpec } from './actions.ts';
import type { CommandSpec } from './commands/define.ts';
import type { JobSpec } from './jobs.ts';
import type { Logger } from './logging.ts';
import type { Resolved, Token, TokenMap, TokenType } from './token.ts';
import type { WebhookSpec } from './http/webhooks.ts';

/** What a plugin receives for its optional dependencies: undefined when no loaded plugin provides one. */
export type OptionalResolved<M extends TokenMap> = { [K in keyof M]: TokenType<M[K]> | undefined };

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- "no optional dependencies"
type NoDeps = {};

export interface PluginContext<C, D extends TokenMap, O extends TokenMap = NoDeps> {
  id: string;
  config: C;
  deps: Resolved<D> & OptionalResolved<O>;
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

export interface PluginSpec<
  S extends z.ZodType = z.ZodType,
  D extends TokenMap = TokenMap,
  O extends TokenMap = NoDeps,
> {
  /** kebab-case, unique; names the config section (`plugins.<id>`), log field and webhook prefix. */
  id: string;
  summary: string;
  /**
   * The plugin's config section; it must accept `{}` so the plugin loads without configuration.
   * `enabled` is the host's key in every section: the plugin neither declares nor receives it.
   */
  config?: S;
  /** Services the plugin cannot work without: when no loaded plugin provides one, it is left out. */
  deps?: D;
  /**
   * Who has this plugin's permissions by default: permission → built-in roles (viewer, auditor,
   * operator, approver; admin has everything). Reads given to `viewer` reach everyone through the
   * default roles; a write still needs a binding. docs/permissions.md is generated from these.
   */
  grants?: Record<string, string[]>;
  /**
   * Services the plugin can do without: undefined in `deps` when no loaded plugin provides them
   * (switched off, failed), so the plugin must say what it does not offer then. A provider that is
   * loaded still initialises first.
   */
  optionalDeps?: O;
  provides?: Token<unknown>[];
  /**
   * A plugin that everything needs (argocd): its failing init stops start-up. Any other plugin
   * that fails is switched off, with its dependents, and reported by /readyz and `plugins`.
   */
  required?: boolean;
  /** Start-up deadline for init; the default is the host's. */
  initTimeoutMs?: number;
  init(ctx: PluginContext<z.output<S>, D, O>): void | Promise<void>;
}

export type AnyPlugin = PluginSpec<z.ZodType, TokenMap, TokenMap>;

export const definePlugin = <S extends z.ZodType, D extends TokenMap, O extends TokenMap = NoDeps>(
  spec: PluginSpec<S, D, O>,
): PluginSpec<S, D, O> => spec;
