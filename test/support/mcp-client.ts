/**
 * A minimal MCP client over stdio (newline-delimited JSON-RPC 2.0, as the MCP SDK's
 * StdioServerTransport speaks it): start a server process, initialize, list and call tools.
 * Answers may come out of order, so they are matched by id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ToolResult {
  content: { type: string; text: string }[];
  isError?: boolean;
}

export interface McpClient {
  child: ChildProcess;
  initialize(): Promise<unknown>;
  listTools(): Promise<{ tools: { name: string; inputSchema: unknown }[] }>;
  callTool(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export function startMcp(command: string, args: string[], env: Record<string, string>): McpClient {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  child.stderr?.resume();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.trim()) return;
    const msg = JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string } };
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id as number);
    if (msg.error) p.reject(new Error(msg.error.message));
    else p.resolve(msg.result);
  });
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      for (const p of pending.values()) p.reject(new Error('the MCP server exited'));
      pending.clear();
      resolve();
    }),
  );
  const send = (msg: unknown) => child.stdin?.write(JSON.stringify(msg) + '\n');
  const request = <T>(method: string, params: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      send({ jsonrpc: '2.0', id, method, params });
    });
  return {
    child,
    async initialize() {
      const r = await request('initialize', {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'deckhand-test', version: '0.0.0' },
      });
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return r;
    },
    listTools: () => request('tools/list', {}),
    callTool: (name, args) => request<ToolResult>('tools/call', { name, arguments: args }),
    async close() {
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
