/** The notify plugin's configuration: where notifications go besides chat, and which go where. */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';
import { globMatch } from '../../core/glob.ts';
import { labelSelector } from '../../core/labels.ts';

/** What deckhand tells sinks about; routes name these, or globs of them (`incident.*`). */
export const NOTIFY_EVENTS = [
  'digest',
  'incident.opened',
  'incident.updated',
  'incident.resolved',
  'change.merged',
  'change.live',
  'change.failed',
  'remediation',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

const SinkName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -');

/** A recipient: an address, or a name and an address (`Ops <ops@example.com>`). */
const Recipient = z
  .string()
  .regex(
    /^(?:[^<>@\s][^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/,
    'an email address, or a name and one: "Ops <ops@example.com>"',
  );

const WebhookSink = z.strictObject({
  type: z.literal('webhook'),
  name: SinkName,
  // A secret: chat platforms' incoming webhook addresses hold their token in the path.
  url: secret(
    z.url({ protocol: /^https?$/ }).refine((u) => {
      const { username, password } = new URL(u);
      return !username && !password;
    }, 'holds a user or password, which fetch refuses to send (WHATWG Fetch): put a token in the path or query instead'),
  ).describe('where the JSON is POSTed'),
  secret: secret(z.string().min(16)).describe(
    'signs each delivery: X-Deckhand-Signature is v1=<hex HMAC-SHA256 of "<X-Deckhand-Timestamp>.<body>">',
  ),
  timeoutMs: z.number().int().positive().max(60_000).default(10_000),
});

const EmailSink = z.strictObject({
  type: z.literal('email'),
  name: SinkName,
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS, required unless `starttls: optional`. */
    tls: z.boolean().default(false).describe('TLS from the first byte (port 465); otherwise STARTTLS'),
    starttls: z
      .enum(['required', 'optional'])
      .default('required')
      .describe('without tls: refuse a server that does not offer STARTTLS (required), or send in clear'),
    user: z.string().optional(),
    password: secret(z.string().min(1)).optional(),
    rejectUnauthorized: z
      .boolean()
      .default(true)
      .describe('refuse a server whose certificate is not trusted'),
    timeoutMs: z.number().int().positive().max(120_000).default(20_000),
  }),
  from: z.string().min(3).describe('the sender, e.g. "deckhand <deckhand@example.com>"'),
  to: z.array(Recipient).min(1).describe('recipients, unless a route names its own'),
  returnPath: z
    .email()
    .optional()
    .describe(
      "where mail servers send bounces (the envelope sender, MAIL FROM); the from address's when absent",
    ),
  perRecipientPerHour: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(60)
    .describe('at most this many mails to one recipient an hour; more wait'),
});

export const NotifyConfigSchema = z
  .strictObject({
    sinks: z.array(z.discriminatedUnion('type', [WebhookSink, EmailSink])).default([]),
    routes: z
      .array(
        z.strictObject({
          events: z
            .array(z.string().min(1))
            .min(1)
            .describe(`events or globs of them: ${NOTIFY_EVENTS.join(', ')}`),
          apps: z.array(z.string()).optional().describe('app globs; any app when absent'),
          projects: z.array(z.string()).optional().describe('Argo CD project globs; any when absent'),
          labels: labelSelector()
            .optional()
            .describe(
              "a label selector on the app's Application, e.g. team=payments (as digests select); any when absent",
            ),
          severities: z
            .array(z.string())
            .optional()
            .describe('alert severities (incidents); any when absent'),
          sink: SinkName.describe('the name of a sink'),
          to: z.array(Recipient).optional().describe("an email sink's recipients for this route"),
        }),
      )
      .default([]),
    retry: z
      .strictObject({
        // 12 tries, 5 s doubling to 600 s: a receiver down for up to about 50 minutes misses nothing.
        attempts: z.number().int().min(1).max(30).default(12),
        firstDelaySeconds: z.number().positive().max(3600).default(5),
        maxDelaySeconds: z.number().positive().max(86_400).default(600),
      })
      .prefault({}),
    deadLetterDays: z.number().int().min(1).max(365).default(14),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    const webhooks = new Set(c.sinks.filter((s) => s.type === 'webhook').map((s) => s.name));
    c.sinks.forEach((s, i) => {
      if (names.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['sinks', i, 'name'],
          message: `a second sink named ${s.name}`,
        });
      names.add(s.name);
    });
    c.routes.forEach((r, i) => {
      // A misspelt event would route nothing, silently.
      r.events.forEach((e, j) => {
        if (!NOTIFY_EVENTS.some((known) => globMatch(e, known)))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'events', j],
            message: `${e} names no event (events: ${NOTIFY_EVENTS.join(', ')})`,
          });
      });
      if (r.to && webhooks.has(r.sink))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'to'],
          message: `${r.sink} is a webhook sink: recipients (to) are for email sinks`,
        });
      if (!names.has(r.sink))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'sink'],
          message: `no sink named ${r.sink}${names.size ? ` (sinks: ${[...names].join(', ')})` : ''}`,
        });
    });
  });

export type NotifyConfig = z.output<typeof NotifyConfigSchema>;
export type WebhookSinkConfig = z.output<typeof WebhookSink>;
export type EmailSinkConfig = z.output<typeof EmailSink>;
