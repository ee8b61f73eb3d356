/**
 * A command is data: its name, a zod schema for its arguments, the permission it needs, help text
 * and examples. Parsing, validation, usage and help are all derived from this one declaration.
 */
import type { z } from 'zod';
import type { Actor, AccessScope } from '../access.ts';
import type { ActionRequest } from '../actions.ts';
import type { Logger } from '../logging.ts';
import type { Conversation, Message, MessageRef } from '../message/model.ts';

export type Effect = 'read' | 'write';

export interface CommandContext<A> {
  args: A;
  actor: Actor;
  conversation: Conversation;
  log: Logger;
  /** Aborted when the command times out or the process shuts down. */
  signal: AbortSignal;
  invocationId: string;
  /** Post a message now; the value returned by `run` is posted when it finishes. */
  say(m: Message): Promise<MessageRef>;
  update(ref: MessageRef, m: Message): Promise<void>;
  /** Create an opaque button id whose handler and parameters stay on the server. */
  button(req: ActionRequest): Promise<string>;
  /** Throws NotAllowedError unless the actor holds the permission for this scope. */
  authorize(permission: string, scope?: AccessScope): void;
  /** Whether the actor holds the permission (to offer a button only to those who may press it). */
  can(permission: string, scope?: AccessScope): boolean;
}

export type CommandResult = Message | Message[] | void;

// The schema is any object schema; `run` sees its parsed output.
export type ArgsSchema = z.ZodObject;

export interface CommandSpec<S extends ArgsSchema = ArgsSchema> {
  /** Space-separated path, e.g. `argo status`. */
  name: string;
  summary: string;
  /** Longer help shown by `help <command>`. */
  description?: string;
  args: S;
  /** Argument keys filled by position, in order; an array-typed last key takes the rest. */
  positional?: string[];
  /** The record-typed key that collects `key=value` words (e.g. `memory=1Gi cpu=500m`). */
  pairs?: string;
  /**
   * Command lines as a person types them. Each runs against the demo world in the docs test
   * (test/e2e/docs-examples.test.ts); one that cannot says why (`notInDemo`).
   */
  examples?: Example[];
  permission: string;
  /** Writes are denied unless a binding grants the permission explicitly. */
  effect?: Effect;
  /** Shown while the command runs, then replaced by the answer (e.g. "collecting…"). */
  progress?: string;
  /** Overrides the default command deadline. */
  timeoutMs?: number;
  /** Hidden from help listings (still runnable and documented by `help <name>`). */
  hidden?: boolean;
  /**
   * Who sees the answer where the platform can tell: `private` (only the asker) for what concerns
   * one person — help, whoami; `public` (the default) for what the team should see. Errors and
   * refusals are always private. `commands.visibility` in the configuration overrides per command
   * or group.
   */
  visibility?: Visibility;
  run(ctx: CommandContext<z.output<S>>): Promise<CommandResult>;
}

/** A registered command: its spec plus the plugin that contributed it. */
export interface Command extends CommandSpec {
  plugin: string;
  effect: Effect;
}

/** An example line, or one that cannot run in the demo world and why (the docs say so). */
export type Example = string | { line: string; notInDemo: string };

export const exampleLine = (e: Example): string => (typeof e === 'string' ? e : e.line);

/** Who sees a command's answer. */
export type Visibility = 'public' | 'private';

export const defineCommand = <S extends ArgsSchema>(spec: CommandSpec<S>): CommandSpec<S> => spec;
