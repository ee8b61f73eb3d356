/**
 * `/diagnose` with the optional LLM configured: the rules find the cause, the model (a local
 * OpenAI-compatible fake, through the real @langchain/openai client) explains it, and without a
 * working model the reply is the rules' alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../support/fake-openai.ts';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

const fake = new FakeOpenAI();
let s: SandboxBot;

beforeAll(async () => {
  const baseUrl = await fake.start();
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.diagnosis = {
        llm: {
          baseUrl,
          apiKey: fake.apiKey,
          model: 'gpt-4o-mini',
          timeoutMs: 2_000,
          maxOutputTokens: 300,
          maxInputChars: 6_000,
          redact: { emails: true, ips: true },
        },
      };
    },
  });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await fake.stop();
});

describe('/diagnose with an LLM', () => {
  it('adds the explanation to the rules’ root cause and keeps the evidence', async () => {
    fake.answer = (req) => ({
      arguments: {
        explanation: req.messages.some((m) => m.content.includes('OOMKilled'))
          ? 'The crawler needs more heap than its 512Mi limit allows, so the kernel kills it.'
          : 'unclear',
        fix: 1,
      },
    });
    const r = await s.exec('/diagnose naver-news', 'alice');
    expect(r.ok).toBe(true);
    expect(dataOf(r).diagnosis.rootCause.category).toBe('OOMKilled');
    expect(dataOf(r).explanation.text).toContain('kernel kills it');
    expect(textOf(r)).toContain('kernel kills it');
    expect(textOf(r)).toMatch(/exit code 137/);
    expect(fake.requests.at(-1)!.model).toBe('gpt-4o-mini');
  });

  it('answers from the rules alone when the model fails', async () => {
    fake.answer = () => ({ status: 503, error: { message: 'overloaded', type: 'server_error' } });
    const r = await s.exec('/diagnose naver-news', 'alice');
    expect(r.ok).toBe(true);
    expect(dataOf(r).explanation).toBeUndefined();
    expect(dataOf(r).diagnosis.rootCause.category).toBe('OOMKilled');
  });
});
