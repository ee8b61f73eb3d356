/**
 * Alertmanager's webhook payload (version 4), validated. Field names as Alertmanager sends them
 * (camelCase, except notification_reason); see api-notes §7.
 */
import { z } from 'zod';

const labels = z.record(z.string(), z.string());

export const AlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labels.default({}),
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

export const AlertmanagerPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(AlertSchema).min(1).max(1000),
});

export type Alert = z.output<typeof AlertSchema>;
export type AlertmanagerPayload = z.output<typeof AlertmanagerPayloadSchema>;

/** Alertmanager marks "no end yet" with the zero time. */
export const hasEnded = (a: Alert): boolean => !!a.endsAt && !a.endsAt.startsWith('0001-01-01');
