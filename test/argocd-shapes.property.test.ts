/**
 * Property: Applications (and resource trees, managed resources) generated from Argo CD's swagger,
 * with any subset of optional fields absent, null or zero-valued, never make a command fail.
 * Every read command's handler runs on them (behind a stand-in for ArgoService that hands out the
 * generated objects), and so do the list renderer and the diagnosis with its report.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../src/core/commands/define.ts';
import { renderText } from '../src/core/message/render-text.ts';
import { diffCommand } from '../src/plugins/argocd/commands/diff.ts';
import { historyCommand } from '../src/plugins/argocd/commands/history.ts';
import { resourcesCommand } from '../src/plugins/argocd/commands/resources.ts';
import { statusCommand } from '../src/plugins/argocd/commands/status.ts';
import { listMessage } from '../src/plugins/argocd/render/list.ts';
import type { ArgoService, ResolvedApp } from '../src/plugins/argocd/service.ts';
import type { Application, ApplicationTree } from '../src/plugins/argocd/types.ts';
import { readApplication } from '../src/plugins/argocd/view/app-view.ts';
import { GitLinks } from '../src/plugins/argocd/view/links.ts';
import { diagnose } from '../src/plugins/diagnosis/engine/index.ts';
import { diagnosisMessage } from '../src/plugins/diagnosis/report.ts';
import type { AppSnapshot } from '../src/plugins/k8s/snapshot.ts';
import { arbitraryOf } from './support/swagger-arbitrary.ts';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const clock = { now: () => NOW };

/** ArgoService as the commands use it, answering with the generated objects. */
function standIn(app: unknown, tree: unknown, managed: unknown[]): ArgoService {
  const view = readApplication(app);
  const resolved: ResolvedApp = {
    instance: 'default',
    app: app as Application,
    view,
    locator: { name: view.name, namespace: view.namespace },
    ref: view.name,
    cached: true,
    client: {
      resourceTree: async () => tree as ApplicationTree,
      managedResources: async () => managed as never,
      appUrl: () => 'https://argocd.example.com/applications/x',
    } as unknown as ResolvedApp['client'],
  };
  return {
    resolve: async () => resolved,
    revisionMetadata: async () => undefined,
    peek: () => undefined,
    links: new GitLinks(),
    multiInstance: false,
  } as unknown as ArgoService;
}

const ctx = <A>(args: A) => ({ args, signal: new AbortController().signal }) as unknown as CommandContext<A>;

function snapshot(app: unknown, tree: unknown): AppSnapshot {
  return {
    instance: 'default',
    app: app as Application,
    tree: (tree ?? {}) as ApplicationTree,
    pods: [],
    deployments: [],
    statefulSets: [],
    daemonSets: [],
    replicaSets: [],
    jobs: [],
    services: [],
    endpoints: [],
    hpas: [],
    pvcs: [],
    nodes: [],
    quotas: [],
    events: [],
    appEvents: [],
    logs: {},
    collectedAt: NOW,
    gaps: [],
    requests: 0,
  };
}

const managedItem = fc.record(
  {
    kind: fc.constantFrom('Deployment', 'Secret', ''),
    name: fc.constantFrom('web', ''),
    namespace: fc.constantFrom('web', ''),
    targetState: fc.constantFrom(
      'null',
      '',
      '{"kind":"Secret","data":{"p":"aHVudGVy"}}',
      '{"kind":"Deployment","spec":{"replicas":2}}',
      'not json',
    ),
    liveState: fc.constantFrom('null', '', '{"kind":"Deployment","spec":{"replicas":3}}', '[1]'),
    modified: fc.boolean(),
    hook: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('any Application shape the swagger allows', () => {
  it('never makes a read command, the list or the diagnosis fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryOf('v1alpha1Application'),
        arbitraryOf('v1alpha1ApplicationTree'),
        fc.array(managedItem, { maxLength: 3 }),
        async (app, tree, managed) => {
          const argo = standIn(app, tree, managed);
          const replies = [
            await statusCommand(argo, clock).run(ctx({ app: 'x', refresh: false })),
            await historyCommand(argo, clock).run(ctx({ app: 'x', limit: 10 })),
            await resourcesCommand(argo).run(ctx({ app: 'x', all: true })),
            await diffCommand(argo).run(ctx({ app: 'x', lines: 40 })),
            listMessage([{ instance: 'default', app: app as Application }], {
              page: 1,
              pageSize: 50,
              multiInstance: false,
              filters: '',
              failures: [],
              total: 1,
            }),
            diagnosisMessage('x', diagnose(snapshot(app, tree), { now: NOW })),
          ];
          for (const r of replies.flat()) {
            if (!r) continue;
            const text = renderText(r);
            expect(text).not.toMatch(/undefined|\[object Object\]|NaN/);
            // A Secret's value never shows, whatever the server sent.
            expect(text).not.toContain('aHVudGVy');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
