import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/logging.ts';
import { Redactor } from '../../../core/redact.ts';
import { FakeOpenAI } from '../../../../test/support/fake-openai.ts';
import type { Diagnosis } from '../engine/types.ts';
import { LlmConfigSchema } from './config.ts';
import { LlmExplainer } from './explainer.ts';

const fake = new FakeOpenAI();
let baseUrl: string;
beforeAll(async () => {
  baseUrl = await fake.start();
});
afterAll(() => fake.stop());

const log = createLogger({ level: 'silent', format: 'json' });
const redactor = new Redactor();
redactor.addSecrets(['argocd-token-s3cr3t']);

const diagnosis: Diagnosis = {
  app: 'naver-news',
  sync: 'Synced',
  health: 'Degraded',
  incomplete: [],
  unassessed: [],
  withheld: [],
  findings: [
    {
      category: 'OOMKilled',
      severity: 'critical',
      confidence: 'high',
      basis: [],
      resource: { kind: 'Deployment', namespace: 'naver-news', name: 'naver-news', container: 'naver-news' },
      summary: 'container naver-news exceeded its 512Mi memory limit (restarted 7 times)',
      evidence: [
        'lastState.terminated: OOMKilled, exit code 137',
        'log: connecting to mysql://crawler@10.0.3.4:3306 as ops@flash-tickets.dev with token argocd-token-s3cr3t',
      ],
      fix: { intent: 'resources', params: { container: 'naver-news', limits: { memory: '1Gi' } } },
    },
    {
      category: 'CrashLoopBackOff',
      severity: 'critical',
      confidence: 'high',
      basis: [],
      resource: { kind: 'Deployment', namespace: 'naver-news', name: 'naver-news', container: 'naver-news' },
      summary: 'restarts again and again — a consequence of OOMKilled',
      evidence: ['Back-off restarting failed container naver-news (x61 over 28m)'],
    },
  ],
};

const explainer = (over: Record<string, unknown> = {}) =>
  new LlmExplainer(
    LlmConfigSchema.parse({ baseUrl, apiKey: fake.apiKey, timeoutMs: 1_000, ...over }),
    redactor,
    log,
  );

describe('the LLM explainer through @langchain/openai', () => {
  it('sends redacted findings with the fixes to choose from, and reads the structured answer', async () => {
    fake.answer = () => ({
      arguments: { explanation: 'The JVM needs about 700Mi; the 512Mi limit kills it.', fix: 1 },
    });
    const out = await explainer().explain(diagnosis);
    expect(out).toEqual({ text: 'The JVM needs about 700Mi; the 512Mi limit kills it.', chosen: 0 });
    const req = fake.requests.at(-1)!;
    expect(req.model).toBe('gpt-4o-mini');
    expect(req.tools?.[0]?.function.name).toBe('diagnosis_explanation');
    const sent = JSON.stringify(req.messages);
    expect(sent).toContain('OOMKilled');
    expect(sent).toContain('1. set the memory limit to 1Gi');
    for (const leak of ['argocd-token-s3cr3t', 'ops@flash-tickets.dev', '10.0.3.4'])
      expect(sent).not.toContain(leak);
  });

  it('keeps the input within its budget', async () => {
    const long = {
      ...diagnosis,
      findings: [{ ...diagnosis.findings[0]!, evidence: Array.from({ length: 6 }, () => 'x'.repeat(5_000)) }],
    };
    fake.answer = () => ({ arguments: { explanation: 'long', fix: 0 } });
    await explainer({ maxInputChars: 1_000 }).explain(long);
    expect(fake.requests.at(-1)!.messages.find((m) => m.role === 'user')!.content.length).toBeLessThanOrEqual(
      1_000,
    );
  });

  it('gives up quietly on a slow, refusing or malformed answer', async () => {
    fake.answer = () => ({ delayMs: 3_000, arguments: { explanation: 'late', fix: 0 } });
    const t = Date.now();
    expect(await explainer({ timeoutMs: 300 }).explain(diagnosis)).toBeUndefined();
    expect(Date.now() - t).toBeLessThan(2_500);
    fake.answer = () => ({
      status: 500,
      error: { message: 'The server had an error', type: 'server_error' },
    });
    expect(await explainer().explain(diagnosis)).toBeUndefined();
    fake.answer = () => ({ arguments: { explanation: '', fix: 'first' } });
    expect(await explainer().explain(diagnosis)).toBeUndefined();
    expect(await explainer({ apiKey: 'sk-wrong-key-000000' }).explain(diagnosis)).toBeUndefined();
  });

  it('keeps each request in the audit trail exactly as it left (masked), with the answer', async () => {
    const rows: { kind: string; app?: string; outcome: string; detail?: Record<string, unknown> }[] = [];
    const audit = { record: async (e: (typeof rows)[number]) => void rows.push(e), query: async () => [] };
    fake.answer = () => ({ arguments: { explanation: 'Raise the limit.', fix: 1 } });
    const cfg = LlmConfigSchema.parse({ baseUrl, apiKey: fake.apiKey, timeoutMs: 1_000 });
    await new LlmExplainer(cfg, redactor, log, audit).explain(diagnosis);
    const sent = fake.requests.at(-1)!.messages.find((m) => m.role === 'user')!.content;
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'llm',
        app: 'naver-news',
        outcome: 'ok',
        detail: expect.objectContaining({ user: sent, answer: { explanation: 'Raise the limit.', fix: 1 } }),
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain('argocd-token-s3cr3t');
    fake.answer = () => ({
      status: 500,
      error: { message: 'The server had an error', type: 'server_error' },
    });
    await new LlmExplainer(cfg, redactor, log, audit).explain(diagnosis);
    expect(rows.at(-1)?.outcome).toBe('failed');
  });

  it('does not ask about an app with nothing wrong', async () => {
    const before = fake.requests.length;
    expect(await explainer().explain({ ...diagnosis, findings: [] })).toBeUndefined();
    expect(fake.requests.length).toBe(before);
  });
});
