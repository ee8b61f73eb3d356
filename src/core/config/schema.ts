/**
 * The configuration schema: the core's own sections, plus one section per plugin
 * (`plugins.<id>`) and per adapter (`adapters.<platform>`), composed at start-up. Unknown keys
 * are errors, so a typo is caught by `deckhand config check` rather than silently ignored.
 */
import { z } from 'zod';
import { AccessConfigSchema } from '../access.ts';
import { ApprovalsConfigSchema } from '../approvals.ts';
import { identitiesSchema, type Identities } from '../identity.ts';
import { LeaderConfigSchema } from '../leader.ts';
import { secret } from './secret.ts';

export const LogConfigSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  format: z
    .enum(['auto', 'json', 'pretty'])
    .default('auto')
    .describe('auto: pretty in a terminal, JSON otherwise'),
  file: z.string().optional().describe('write logs to this file instead of stderr'),
});

export const ServerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
});

export const CommandsConfigSchema = z.strictObject({
  timeoutMs: z.number().int().positive().default(30_000).describe('deadline for one command'),
  progressAfterMs: z
    .number()
    .int()
    .min(0)
    .default(1500)
    .describe('show the progress note of slow commands after this long'),
  visibility: z
    .record(z.string(), z.enum(['public', 'private']))
    .default({})
    .describe(
      'who sees answers, per command or group: { diagnose: private, k8s: private, help: public }. Errors and refusals are always private; commands that change things are always public',
    ),
});

export const StoreConfigSchema = z.strictObject({
  file: z.string().optional().describe('SQLite file; default <dataDir>/deckhand.db'),
  postgres: z
    .strictObject({
      url: secret(z.string().min(1)).optional(),
      // Not a secret-looking key, so the loader leaves it alone; the store reads the file at start.
      urlFile: z
        .string()
        .min(1)
        .optional()
        .describe('absolute path of a file holding the URL (a mounted Secret)'),
      maxConnections: z.number().int().min(1).max(100).default(4).describe('connections per replica'),
    })
    .refine((p) => (p.url === undefined) !== (p.urlFile === undefined), 'set either url or urlFile')
    .optional()
    .describe('a shared PostgreSQL database instead of the SQLite file, for several replicas'),
});

export const ConsoleAdapterSchema = z.strictObject({
  enabled: z.boolean().default(true),
  user: z.string().default('console').describe('who the console user is (an identity id)'),
  channel: z.string().default('console'),
  switchUsers: z
    .boolean()
    .default(false)
    .describe(
      'allow `as <person>` at the console to act as anyone (the demo turns it on); whoever has the terminal can then approve as an approver',
    ),
});

export const coreShape = {
  $schema: z.string().optional(),
  dataDir: z.string().default('.deckhand').describe('where state (the store, console history) lives'),
  log: LogConfigSchema.default(LogConfigSchema.parse({})),
  server: ServerConfigSchema.default(ServerConfigSchema.parse({})),
  commands: CommandsConfigSchema.default(CommandsConfigSchema.parse({})),
  store: StoreConfigSchema.default({}),
  identities: identitiesSchema(),
  access: AccessConfigSchema.default(AccessConfigSchema.parse({})),
  approvals: ApprovalsConfigSchema.default(ApprovalsConfigSchema.parse({})),
  leaderElection: LeaderConfigSchema.default(LeaderConfigSchema.parse({})),
};

/** What every part of the bot may read: the core sections, and the plugin/adapter sections as raw values. */
export type CoreConfig = {
  dataDir: string;
  log: z.output<typeof LogConfigSchema>;
  server: z.output<typeof ServerConfigSchema>;
  commands: z.output<typeof CommandsConfigSchema>;
  store: z.output<typeof StoreConfigSchema>;
  identities: Identities;
  access: z.output<typeof AccessConfigSchema>;
  approvals: z.output<typeof ApprovalsConfigSchema>;
  leaderElection: z.output<typeof LeaderConfigSchema>;
  adapters: Record<string, unknown> & { console: z.output<typeof ConsoleAdapterSchema> };
  plugins: Record<string, unknown>;
};

export interface SchemaPart {
  id: string;
  schema?: z.ZodType;
  /** For an adapter: what its users' ids look like, for the identities' key of that name. */
  userId?: string;
}

function sectionDefault(s: z.ZodType): unknown {
  const fromUndefined = s.safeParse(undefined);
  if (fromUndefined.success && fromUndefined.data !== undefined) return fromUndefined.data;
  const fromEmpty = s.safeParse({});
  return fromEmpty.success ? fromEmpty.data : undefined;
}

const PluginEnabled = z
  .boolean()
  .default(true)
  .describe('false leaves the plugin out, and with it every plugin that cannot work without it');

/**
 * Every plugin section takes `enabled` beside the plugin's own keys, so no plugin has to declare
 * it and a strict section does not refuse it. The host takes it off again (`pluginSection`):
 * switching plugins on and off is the host's business, not the plugin's.
 */
function withEnabled(s: z.ZodType): z.ZodType {
  if (s instanceof z.ZodObject) return s.safeExtend({ enabled: PluginEnabled });
  // Not a plain object schema (a transform, a union): take `enabled` off before the plugin parses
  // the rest. Editors then see only `enabled` for this section; the bundled plugins never get here.
  return z.looseObject({ enabled: PluginEnabled }).transform((value, ctx) => {
    const { enabled, ...rest } = value;
    const own = s.safeParse(rest);
    if (!own.success) {
      for (const issue of own.error.issues) ctx.addIssue({ ...issue, input: undefined } as never);
      return z.NEVER;
    }
    return { ...(own.data as object), enabled };
  });
}

/** A parsed `plugins.<id>` section split into the host's switch and the plugin's own config. */
export function pluginSection(value: unknown): { enabled: boolean; config: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { enabled: true, config: value ?? {} };
  const { enabled, ...config } = value as Record<string, unknown>;
  return { enabled: enabled !== false, config };
}

/** Compose the full schema from the plugins' and adapters' sections. */
export function buildConfigSchema(plugins: SchemaPart[], adapters: SchemaPart[]) {
  const section = (parts: SchemaPart[]) =>
    z.strictObject(
      Object.fromEntries(
        parts.map((p) => {
          const s = p.schema ?? z.strictObject({});
          // A section may be omitted: it then takes its defaults (or stays absent if it has none).
          return [p.id, s.optional().transform((v) => (v === undefined ? sectionDefault(s) : v))];
        }),
      ),
    );
  const adapterParts = [{ id: 'console', schema: ConsoleAdapterSchema }, ...adapters];
  const pluginParts = plugins.map((p) => ({ id: p.id, schema: withEnabled(p.schema ?? z.strictObject({})) }));
  return z.strictObject({
    ...coreShape,
    // An identity names its user id on each platform by adapter id.
    identities: identitiesSchema(adapterParts.map((a) => ({ id: a.id, userId: a.userId }))),
    adapters: section(adapterParts).default(() => section(adapterParts).parse({})),
    plugins: section(pluginParts).default(() => section(pluginParts).parse({})),
  });
}
