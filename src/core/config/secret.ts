/**
 * Marks a config field as a secret: the JSON Schema says so (editors hide it, docs say "use
 * ${ENV} or <name>File"), and the loader knows to read `<name>File` for it.
 */
import type { z } from 'zod';

export const secret = <T extends z.ZodType>(schema: T) =>
  schema.meta({ writeOnly: true, description: 'Secret: write ${ENV_VAR} or use the <key>File variant.' });
