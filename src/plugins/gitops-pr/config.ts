/** The gitops-pr plugin's configuration: Git hosts, how changes are written, their limits. */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

const HostSchema = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('github'),
      name: z.string().optional().describe('how messages name it; the host name when absent'),
      host: z.string().default('github.com').describe('the host in repository URLs'),
      apiUrl: z
        .url()
        .optional()
        .describe('API base; https://api.github.com or https://<host>/api/v3 when absent'),
      token: secret(z.string().min(1))
        .optional()
        .describe(
          'a personal access token; or give `app` to act as a GitHub App (the way organisations grant a bot)',
        ),
      app: z
        .strictObject({
          id: z.number().int().positive().describe("the GitHub App's ID (its settings page)"),
          privateKey: secret(z.string().includes('PRIVATE KEY')).describe(
            'the PEM private key GitHub generated for the app (use privateKeyFile)',
          ),
          installationId: z
            .number()
            .int()
            .positive()
            .optional()
            .describe('the installation to use; looked up per repository owner when absent'),
        })
        .optional()
        .describe('act as a GitHub App: installation tokens per owner, refreshed before they expire'),
      webhookSecret: secret(z.string().min(16))
        .optional()
        .describe(
          "the secret of the host's webhook to /hooks/gitops/github (pull_request, pull_request_review, issue_comment; check_run, check_suite, status for merge requirements); without it, deckhand learns of them only by reading its open pull requests every hostPollSeconds",
        ),
      timeoutMs: z.number().int().positive().default(10_000),
    })
    .refine((h) => (h.token === undefined) !== (h.app === undefined), {
      message: 'give a GitHub host either token or app, not both',
    }),
  z.strictObject({
    type: z.literal('gitlab'),
    name: z.string().optional(),
    host: z.string().describe('the host in repository URLs, e.g. gitlab.com'),
    apiUrl: z.url().optional().describe('https://<host> when absent'),
    token: secret(z.string().min(1)).describe('a project, group or personal access token with the api scope'),
    webhookToken: secret(z.string().min(16))
      .optional()
      .describe(
        "the secret token of the project's webhook to /hooks/gitops/gitlab (merge request, comment, pipeline and job events); without it, deckhand learns of them only by reading its open merge requests every hostPollSeconds",
      ),
    timeoutMs: z.number().int().positive().default(10_000),
  }),
]);

/** Where an app's Helm values live when the defaults (image.tag, replicaCount, resources) do not fit. */
const AppOverrideSchema = z.strictObject({
  apps: z.array(z.string()).min(1).describe('application name globs'),
  helm: z
    .strictObject({
      image: z.string().optional().describe('values key of the image (a repository/tag mapping or a string)'),
      tag: z.string().optional().describe('values key of the tag, when it is not <image>.tag'),
      replicas: z.string().optional(),
      resources: z.string().optional(),
      podAnnotations: z.string().optional(),
    })
    .optional(),
});

export const GitOpsConfigSchema = z.strictObject({
  hosts: z.array(HostSchema).default([]),
  author: z
    .strictObject({
      name: z.string().default('deckhand'),
      email: z.string().default('deckhand@users.noreply.github.com'),
    })
    .default({ name: 'deckhand', email: 'deckhand@users.noreply.github.com' }),
  labels: z.array(z.string()).default(['deckhand']),
  mergeMethod: z.enum(['merge', 'squash']).default('merge'),
  maxReplicas: z
    .number()
    .int()
    .min(1)
    .default(50)
    .describe('the largest replica count /gitops scale accepts'),
  overrides: z.array(AppOverrideSchema).default([]),
  environments: z
    .strictObject({
      order: z
        .array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/))
        .min(2)
        .default(['dev', 'staging', 'prod'])
        .describe('environments in promotion order, first to last'),
      label: z
        .string()
        .optional()
        .describe(
          "a label whose value names an app's environment (else overlays/<env> paths, values-<env>.yaml files and -<env> names)",
        ),
      promote: z
        .array(
          z.strictObject({
            apps: z.array(z.string()).min(1).describe('family globs (the app name without its environment)'),
            keys: z
              .array(z.string().regex(/^[^:]+:[^:]+$/, '<file>:<dotted.key>'))
              .min(1)
              .describe(
                "what `--what config` copies: <file>:<dotted.key>, the file relative to each environment's app path; {env} in it stands for the environment (values-{env}.yaml:config.flags)",
              ),
          }),
        )
        .default([])
        .describe('config keys /gitops promote copies from one environment to the next'),
      autoMerge: z
        .array(z.string())
        .default([])
        .describe(
          "environments whose apps take deckhand's changes (bumps, promotions, …) merged at once, without an approval in chat (dev); the rest follow approvals.policies, which can name environments",
        ),
    })
    .default({ order: ['dev', 'staging', 'prod'], promote: [], autoMerge: [] })
    .describe('how /gitops envs and /gitops promote find an app in each environment'),
  hostPollSeconds: z
    .number()
    .min(0)
    .max(86_400)
    .default(120)
    .describe(
      'how often the leader reads its open pull requests, to learn of merges and closes made on the host that no webhook told (a webhook is not sent again after a restart) (0: never)',
    ),
  merge: z
    .strictObject({
      leaseSeconds: z
        .number()
        .positive()
        .default(60)
        .describe(
          'how long an approved merge is held by the process carrying it out without a renewal; then any replica (or a press) resumes it. Longer than a Git request takes',
        ),
      sweepSeconds: z
        .number()
        .positive()
        .max(86_400)
        .default(15)
        .describe('how often a serving bot looks for approved merges whose process died'),
    })
    .default({ leaseSeconds: 60, sweepSeconds: 15 }),
  followUp: z
    .strictObject({
      timeoutSeconds: z
        .number()
        .positive()
        .default(600)
        .describe('how long after a merge the app has to be synced and Healthy'),
      settleSeconds: z
        .number()
        .min(0)
        .default(20)
        .describe('how long a synced app may look Degraded before it is called degraded (rollouts settle)'),
      sweepSeconds: z
        .number()
        .positive()
        .max(86_400)
        .default(5)
        .describe('how often a serving bot looks at every open follow-up (besides hearing each change)'),
    })
    .default({ timeoutSeconds: 600, settleSeconds: 20, sweepSeconds: 5 }),
});

export type GitOpsConfig = z.output<typeof GitOpsConfigSchema>;
export type HostConfig = z.output<typeof HostSchema>;
