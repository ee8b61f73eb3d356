/** The optional LLM: an OpenAI-compatible endpoint that explains findings and picks among their fixes. */
import { z } from 'zod';
import { secret } from '../../../core/config/secret.ts';

export const LlmConfigSchema = z.strictObject({
  baseUrl: z.url().describe('OpenAI-compatible API base, e.g. https://api.openai.com/v1 or a local gateway'),
  apiKey: secret(z.string().min(1)).describe('the API key (apiKeyFile reads it from a file)'),
  model: z.string().min(1).default('gpt-4o-mini'),
  timeoutMs: z.number().int().positive().default(15_000).describe('deadline for one explanation'),
  maxOutputTokens: z.number().int().min(50).max(4_000).default(400),
  maxInputChars: z
    .number()
    .int()
    .min(500)
    .max(100_000)
    .default(8_000)
    .describe('the findings and evidence sent are cut to this size (about a quarter as many tokens)'),
  redact: z
    .strictObject({
      emails: z.boolean().default(true),
      ips: z.boolean().default(true),
    })
    .default({ emails: true, ips: true })
    .describe('what else is masked before anything leaves (secrets and tokens always are)'),
});

export type LlmConfig = z.output<typeof LlmConfigSchema>;

export const DiagnosisConfigSchema = z.strictObject({
  llm: LlmConfigSchema.optional().describe('without it, diagnosis works from rules alone'),
});

export type DiagnosisConfig = z.output<typeof DiagnosisConfigSchema>;
