/**
 * The LLM explainer on LangChain's ChatOpenAI (any OpenAI-compatible endpoint): a structured
 * answer validated by zod — an explanation and the number of the fix it recommends. A slow,
 * failing or malformed answer costs only the explanation; the rules' diagnosis stands.
 */
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Logger } from '../../../core/logging.ts';
import type { Redactor } from '../../../core/redact.ts';
import type { AuditLog } from '../../../core/store/types.ts';
import type { Diagnosis } from '../engine/types.ts';
import type { Explainer, Explanation } from '../service.ts';
import type { LlmConfig } from './config.ts';
import { buildPrompt, redactForLlm } from './prompt.ts';

const Answer = z.object({
  explanation: z.string().min(1).max(1_200).describe('at most three short sentences'),
  fix: z.number().int().min(0).max(20).describe('the number of the fix to apply, or 0 for none'),
});

export class LlmExplainer implements Explainer {
  private readonly cfg: LlmConfig;
  private readonly redactor: Redactor;
  private readonly log: Logger;
  private readonly model: ReturnType<ChatOpenAI['withStructuredOutput']>;
  private readonly audit?: AuditLog;

  /** With an audit log, every request is kept there as sent (masked): `audit --kind llm`. */
  constructor(cfg: LlmConfig, redactor: Redactor, log: Logger, audit?: AuditLog) {
    this.cfg = cfg;
    this.redactor = redactor;
    this.log = log;
    this.audit = audit;
    const chat = new ChatOpenAI({
      model: cfg.model,
      apiKey: cfg.apiKey,
      configuration: { baseURL: cfg.baseUrl },
      timeout: cfg.timeoutMs,
      maxTokens: cfg.maxOutputTokens,
      maxRetries: 1,
      temperature: 0,
    });
    this.model = chat.withStructuredOutput(Answer, {
      name: 'diagnosis_explanation',
      method: 'functionCalling',
    });
  }

  async explain(d: Diagnosis, signal?: AbortSignal): Promise<Explanation | undefined> {
    if (!d.findings.length) return undefined;
    const clean = (s: string) => redactForLlm(s, this.redactor, this.cfg.redact);
    const prompt = buildPrompt(d, clean, this.cfg.maxInputChars);
    const deadline = AbortSignal.timeout(this.cfg.timeoutMs);
    const sent = (outcome: string, answer?: unknown) =>
      this.record(d.app, outcome, { system: prompt.system, user: prompt.user, answer });
    try {
      const raw = await this.model.invoke(
        [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        { signal: signal ? AbortSignal.any([signal, deadline]) : deadline },
      );
      const answer = Answer.safeParse(raw);
      if (!answer.success) {
        this.log.warn({ issues: answer.error.issues.length }, 'the LLM answered outside the schema; ignored');
        await sent('off-schema');
        return undefined;
      }
      const chosen = answer.data.fix > 0 ? prompt.fixes[answer.data.fix - 1] : undefined;
      const text = clean(answer.data.explanation);
      await sent('ok', { explanation: text, fix: answer.data.fix });
      return { text, chosen: chosen ? d.findings.indexOf(chosen) : undefined };
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'the LLM did not explain the diagnosis; rules alone');
      await sent('failed', { error: clean((err as Error).message) });
      return undefined;
    }
  }

  /** What went to the model, after masking, with what came back: for people who audit it. */
  private async record(app: string, outcome: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.audit?.record({
        actor: 'deckhand',
        platform: 'deckhand',
        kind: 'llm',
        name: this.cfg.model,
        app,
        outcome,
        detail: { endpoint: this.cfg.baseUrl, ...detail },
      });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not audit the LLM request');
    }
  }
}
