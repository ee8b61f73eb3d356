/**
 * The registry plugin's configuration: how to reach the registries images come from, and which
 * tags an app may move to when `gitops bump <app>` is given no tag. Registries not listed are read
 * anonymously at https://<host> (public images on ghcr.io, Docker Hub, quay.io need nothing).
 */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const RegistryEndpointSchema = z.strictObject({
  host: z
    .string()
    .min(1)
    .describe('the registry as image references name it: ghcr.io, docker.io, registry.lan:5000'),
  url: z
    .url()
    .optional()
    .describe('where its API answers; https://<host> (Docker Hub: https://registry-1.docker.io) when absent'),
  username: z.string().optional(),
  password: secret(z.string().min(1)).optional().describe('a password or access token with pull rights'),
  timeoutMs: z.number().int().positive().default(10_000),
});

export const TagPolicySchema = z.strictObject({
  apps: z.array(z.string()).min(1).describe('application name globs'),
  strategy: z.enum(['semver', 'newest-build', 'digest', 'alphabetical']).default('semver'),
  constraint: z
    .string()
    .optional()
    .describe('semver: a constraint such as ~1.4 or 2.x-0 (pre-releases); digest: the tag to follow'),
  allowTags: z.string().optional().describe('regexp:<expression> or any, as Image Updater writes it'),
  ignoreTags: z.array(z.string()).default([]).describe('tag globs to leave out (Go filepath.Match)'),
});

export const RegistryConfigSchema = z.strictObject({
  registries: z.array(RegistryEndpointSchema).default([]),
  platform: z
    .string()
    .regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9]+)?$/, 'os/architecture[/variant], e.g. linux/amd64')
    .default('linux/amd64')
    .describe('the platform whose image is read from a multi-platform index'),
  policies: z
    .array(TagPolicySchema)
    .default([])
    .describe(
      "which tags an app's image may move to when no tag is given; an app whose Application carries Image Updater annotations follows those instead",
    ),
  maxInspected: z
    .number()
    .int()
    .min(1)
    .max(500)
    .default(50)
    .describe('newest-build reads each candidate tag’s config; at most this many, the most recent by name'),
});

export type RegistryConfig = z.output<typeof RegistryConfigSchema>;
