/**
 * The LLM explainer on LangChain's ChatOpenAI (any OpenAI-compatible endpoint): a structured
 * answer validated by zod — an explanation and the number of the fix it recommends. A slow,
 * failing or malformed answer costs only the explanation; the rules' diagnosis stands.
 */
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';
import type { Logger } from '../../../core/logging.ts';
import type { Redactor } from '../../../core/redact.ts';
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

  constructor(cfg: LlmConfig, redactor: Redactor, log: Logger) {
    this.cfg = cfg;
    this.redactor = redactor;
    this.log = log;
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
        return undefined;
      }
      const chosen = answer.data.fix > 0 ? prompt.fixes[answer.data.fix - 1] : undefined;
      return {
        text: clean(answer.data.explanation),
        chosen: chosen ? d.findings.indexOf(chosen) : undefined,
      };
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'the LLM did not explain the diagnosis; rules alone');
      return undefined;
    }
  }
}
