/** A repository's CI in a scenario or a story (kept apart: both schemas use it). */
import { z } from 'zod';

/**
 * The sandbox's CI for a repository: check runs reported on every push (github-api/ci.ts), each
 * completing `seconds` later with its conclusion (the control API's /ci changes it).
 */
export const CiSchema = z.strictObject({
  checks: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        seconds: z.number().positive().max(3600).default(8),
        conclusion: z.enum(['success', 'failure']).default('success'),
      }),
    )
    .min(1),
});
