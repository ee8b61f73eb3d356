/**
 * A local stand-in for an OpenAI-compatible chat completions API, on loopback. It records each
 * request and answers with a tool call built by the test's `answer` (as OpenAI answers a forced
 * function call), or with an error or a delay — so the real @langchain/openai client is what the
 * bot's code talks to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  tools?: { type: string; function: { name: string; parameters: unknown } }[];
  tool_choice?: unknown;
  max_tokens?: number;
  max_completion_tokens?: number;
}

export type Answer =
  | { arguments: unknown }
  | { status: number; error: { message: string; type: string; code?: string } }
  | { delayMs: number; arguments: unknown };

export class FakeOpenAI {
  readonly requests: ChatRequest[] = [];
  answer: (req: ChatRequest) => Answer = () => ({ arguments: { explanation: 'ok', fix: 0 } });
  private server?: Server;
  readonly apiKey: string;

  constructor(apiKey = 'sk-test-0123456789abcdef') {
    this.apiKey = apiKey;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions')
      return send(404, {
        error: { message: `Unknown request URL: ${req.method} ${req.url}`, type: 'invalid_request_error' },
      });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return send(401, {
        error: {
          message: 'Incorrect API key provided.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    this.requests.push(body);
    const a = this.answer(body);
    if ('status' in a) return send(a.status, { error: a.error });
    if ('delayMs' in a) await new Promise((r) => setTimeout(r, a.delayMs));
    const name = body.tools?.[0]?.function.name ?? 'answer';
    send(200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: `call_${this.requests.length}`,
                type: 'function',
                function: { name, arguments: JSON.stringify(a.arguments) },
              },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    });
  }
}
