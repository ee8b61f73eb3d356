/**
 * How a chat platform plugs in: a config section and a factory. The composition root creates the
 * adapters whose section is enabled and hands them the dispatcher.
 */
import type { z } from 'zod';
import type { ChatAdapter } from './chat.ts';
import type { CoreConfig } from './config/schema.ts';
import type { HttpServer } from './http/server.ts';
import type { IdentityResolver } from './identity.ts';
import type { Logger } from './logging.ts';
import type { CommandRegistry } from './commands/registry.ts';

export interface AdapterServices {
  log: Logger;
  http: HttpServer;
  identities: IdentityResolver;
  registry: CommandRegistry;
  config: CoreConfig;
}

export interface AdapterModule<S extends z.ZodType = z.ZodType> {
  platform: string;
  schema: S;
  /** What a user id on this platform looks like: identities name it under the adapter's id. */
  userId?: string;
  /** Whether this section asks for the adapter to run (e.g. a token is present). */
  enabled(config: z.output<S>): boolean;
  /** May load the platform's client library lazily (they are large and most bots use one). */
  create(config: z.output<S>, services: AdapterServices): ChatAdapter | Promise<ChatAdapter>;
}

export const defineAdapter = <S extends z.ZodType>(m: AdapterModule<S>): AdapterModule<S> => m;
