/**
 * Remediation rules: which diagnosis categories a team lets deckhand fix, with which of the four
 * allowed actions, within which bounds, in which mode. Anything else fails config validation,
 * with the path of the offending field.
 */
import { z } from 'zod';
import { Duration } from '../../core/approvals.ts';
import { categories } from '../diagnosis/index.ts';
import { parseQuantity } from './quantity.ts';

// The diagnosis categories, the words rules match on (one list: the diagnosis engine's).
const CATEGORIES = categories;

const ResourcesAction = z
  .strictObject({
    kind: z.literal('resources'),
    resource: z.enum(['memory', 'cpu']).default('memory'),
    factor: z.number().gt(1).max(10).optional().describe('multiply the limit, e.g. 1.5'),
    step: z.string().optional().describe('or add a fixed amount, e.g. 256Mi'),
    max: z.string().describe('never above this'),
    requests: z.boolean().default(false).describe('raise requests along with limits'),
  })
  .superRefine((a, ctx) => {
    if (!a.factor && !a.step)
      ctx.addIssue({ code: 'custom', path: ['factor'], message: 'give factor or step' });
    if (a.factor && a.step)
      ctx.addIssue({ code: 'custom', path: ['step'], message: 'give factor or step, not both' });
    if (a.step !== undefined && parseQuantity(a.step, a.resource) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: `not a ${a.resource} quantity` });
    }
    if (parseQuantity(a.max, a.resource) === undefined)
      ctx.addIssue({ code: 'custom', path: ['max'], message: `not a ${a.resource} quantity` });
  });

const ReplicasAction = z
  .strictObject({
    kind: z.literal('replicas'),
    step: z
      .number()
      .int()
      .refine((n) => n !== 0, 'step must not be 0')
      .default(1)
      .describe('+1 to scale up, -1 down'),
    min: z.number().int().min(0).default(1),
    max: z.number().int().min(1),
  })
  .refine((a) => a.min <= a.max, { message: 'min must not exceed max', path: ['min'] });

const RestartAction = z.strictObject({ kind: z.literal('restart') });
const ImageRevertAction = z.strictObject({ kind: z.literal('image-revert') });

export const ActionSchema = z.discriminatedUnion(
  'kind',
  [ResourcesAction, ReplicasAction, RestartAction, ImageRevertAction],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'action.kind must be one of resources, replicas, restart, image-revert'
        : undefined,
  },
);

export const RuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase words with dashes'),
  match: z.strictObject({
    categories: z.array(z.enum(CATEGORIES)).min(1),
    alerts: z.array(z.string()).optional().describe('Alertmanager alert names'),
    apps: z.array(z.string()).optional().describe('application name globs'),
    projects: z.array(z.string()).optional(),
    namespaces: z.array(z.string()).optional(),
  }),
  action: ActionSchema,
  mode: z.enum(['suggest', 'propose', 'auto']).default('suggest'),
  cooldown: Duration.default(30 * 60_000),
  revertOnFailure: z
    .boolean()
    .default(false)
    .describe('auto mode: revert once when the app is not Healthy after the deadline'),
});

export const RemediationConfigSchema = z.strictObject({
  dryRun: z.boolean().default(false).describe('decide and report, but open and merge nothing'),
  rules: z.array(RuleSchema).default([]),
  guardrails: z
    .strictObject({
      maxPerAppPerDay: z.number().int().min(0).default(3),
      maxPerHour: z.number().int().min(0).default(10).describe('automatic changes across all apps'),
      healthDeadline: Duration.default(10 * 60_000).describe('how long a change has to make the app Healthy'),
      window: z
        .strictObject({
          days: z
            .array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']))
            .default(['mon', 'tue', 'wed', 'thu', 'fri']),
          from: z.string().regex(/^\d{2}:\d{2}$/),
          to: z.string().regex(/^\d{2}:\d{2}$/),
          timeZone: z.string().default('UTC'),
        })
        .optional()
        .describe('automatic changes only inside this window'),
    })
    .default({ maxPerAppPerDay: 3, maxPerHour: 10, healthDeadline: 10 * 60_000 }),
});

export type RemediationConfig = z.output<typeof RemediationConfigSchema>;
export type Rule = z.output<typeof RuleSchema>;
export type RuleAction = z.output<typeof ActionSchema>;
export { CATEGORIES };
