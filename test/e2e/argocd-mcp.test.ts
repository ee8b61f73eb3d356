/**
 * A third-party Argo CD client, argocd-mcp (argoproj-labs/mcp-for-argocd, from npm), run as its own
 * process against the sandbox's Argo CD: every read-only tool it has gets a real answer — not an
 * error body, which argocd-mcp passes through as a successful result, and no `null` manifests.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMcp, type McpClient, type ToolResult } from '../support/mcp-client.ts';
import { startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';

const require = createRequire(import.meta.url);
const MCP_BIN = join(dirname(require.resolve('argocd-mcp/package.json')), 'dist', 'index.js');

let s: SandboxBot;
let mcp: McpClient;

beforeAll(async () => {
  s = await startSandboxBot();
  const argocd = s.run.sandbox.info.argocd[0] as { url: string; token: string };
  mcp = startMcp(process.execPath, [MCP_BIN, 'stdio'], {
    ARGOCD_BASE_URL: argocd.url,
    ARGOCD_API_TOKEN: argocd.token,
    MCP_READ_ONLY: 'true',
  });
  await mcp.initialize();
}, 60_000);
afterAll(async () => {
  await mcp?.close();
  await s?.stop();
});

/** The tool's JSON answer, or a failure that names what Argo CD (or the sandbox) said. */
function answer(r: ToolResult): unknown {
  const text = r.content[0]?.text ?? '';
  expect(r.isError, text).not.toBe(true);
  const body = JSON.parse(text) as unknown;
  const err = body as { error?: unknown; code?: unknown };
  expect(typeof err?.code === 'number' && typeof err?.error === 'string', text.slice(0, 300)).toBe(false);
  return body;
}

const deployment = {
  uid: '',
  kind: 'Deployment',
  namespace: 'naver-news',
  name: 'naver-news',
  version: 'v1',
  group: 'apps',
};

describe('argocd-mcp against the sandbox', () => {
  it('offers the read tools this test calls, and no others', async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'get_application',
        'get_application_events',
        'get_application_managed_resources',
        'get_application_resource_tree',
        'get_application_workload_logs',
        'get_appproject',
        'get_resource_actions',
        'get_resource_events',
        'get_resources',
        'list_applications',
        'list_clusters',
      ].sort(),
    );
  });

  it('lists applications and clusters, and reads an application and its project', async () => {
    const list = answer(await mcp.callTool('list_applications', {})) as { items: unknown[] };
    expect(list.items.length).toBeGreaterThan(10);
    const clusters = answer(await mcp.callTool('list_clusters', {})) as { items: { server: string }[] };
    expect(clusters.items.map((c) => c.server)).toContain('https://kubernetes.default.svc');
    const app = answer(await mcp.callTool('get_application', { applicationName: 'naver-news' })) as {
      spec: { project: string };
    };
    const project = answer(await mcp.callTool('get_appproject', { projectName: app.spec.project })) as {
      metadata: { name: string };
    };
    expect(project.metadata.name).toBe(app.spec.project);
    expect(answer(await mcp.callTool('get_appproject', { projectName: 'flash-tickets' }))).toMatchObject({
      metadata: { name: 'flash-tickets' },
    });
  });

  it('reads the resource tree, managed resources (filtered) and live manifests', async () => {
    const tree = answer(
      await mcp.callTool('get_application_resource_tree', { applicationName: 'naver-news' }),
    ) as {
      nodes: {
        kind: string;
        name: string;
        namespace: string;
        uid: string;
        version: string;
        group?: string;
      }[];
    };
    expect(tree.nodes.length).toBeGreaterThan(2);
    const managed = answer(
      await mcp.callTool('get_application_managed_resources', {
        applicationName: 'naver-news',
        kind: 'Deployment',
      }),
    ) as { items: { kind: string }[] };
    expect(managed.items.map((i) => i.kind)).toEqual(['Deployment']);
    // With no refs, get_resources reads every node of the tree, one manifest each.
    const manifests = answer(
      await mcp.callTool('get_resources', { applicationName: 'naver-news', applicationNamespace: 'argocd' }),
    ) as (string | null)[];
    expect(manifests).toHaveLength(tree.nodes.length);
    expect(manifests.every((m) => typeof m === 'string' && JSON.parse(m).metadata.name)).toBe(true);
  });

  it('reads actions, events and logs of a workload', async () => {
    const actions = answer(
      await mcp.callTool('get_resource_actions', {
        applicationName: 'naver-news',
        applicationNamespace: 'argocd',
        resourceRef: deployment,
      }),
    ) as { actions: { name: string }[] };
    expect(actions.actions.map((a) => a.name)).toEqual(['restart', 'pause', 'resume', 'scale']);
    const events = answer(
      await mcp.callTool('get_application_events', { applicationName: 'naver-news' }),
    ) as {
      items: unknown[];
    };
    expect(Array.isArray(events.items)).toBe(true);
    const tree = answer(
      await mcp.callTool('get_application_resource_tree', { applicationName: 'naver-news' }),
    ) as { nodes: { kind: string; name: string; namespace: string; uid: string }[] };
    const pod = tree.nodes.find((n) => n.kind === 'Pod') as { name: string; namespace: string; uid: string };
    const podEvents = answer(
      await mcp.callTool('get_resource_events', {
        applicationName: 'naver-news',
        applicationNamespace: 'argocd',
        resourceUID: pod.uid,
        resourceNamespace: pod.namespace,
        resourceName: pod.name,
      }),
    ) as { items: unknown[] };
    expect(podEvents.items.length).toBeGreaterThan(0);
    const logs = answer(
      await mcp.callTool('get_application_workload_logs', {
        applicationName: 'naver-news',
        applicationNamespace: 'argocd',
        resourceRef: deployment,
        container: 'naver-news',
      }),
    ) as { content: string }[];
    expect(logs.some((l) => l.content.length > 0)).toBe(true);
  });
});
