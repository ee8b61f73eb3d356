import { describe, expect, it } from 'vitest';
import { resolveRevisions } from './revisions.ts';
import type { ScenarioApplication } from './scenario.ts';

const sha = (n: number) => String(n).repeat(40).slice(0, 40);
const heads: Record<string, string> = { HEAD: sha(1), 'HEAD~1': sha(2), 'HEAD~2': sha(3) };

describe('resolving revision expressions of a scenario', () => {
  it('turns deployed revisions into shas, keeps what the app tracks, and fixes quoted revisions in messages', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'x', namespace: 'argocd' },
      spec: {
        project: 'default',
        destination: {},
        source: { repoURL: 'https://github.com/o/r', targetRevision: 'HEAD' },
      },
      status: {
        sync: { status: 'Synced', revision: 'HEAD' },
        history: [
          { id: 1, revision: 'HEAD~2' },
          { id: 2, revision: 'HEAD~1' },
        ],
        operationState: {
          operation: { sync: { revision: 'HEAD' } },
          syncResult: { revision: 'HEAD', source: { targetRevision: 'HEAD' } },
          message: 'one or more objects failed to apply',
        },
        conditions: [
          {
            type: 'SyncError',
            message:
              'Failed last sync attempt to [HEAD~1]: one or more synchronization tasks are not valid (retried 5 times).',
          },
        ],
      },
    } as unknown as ScenarioApplication;
    const out = resolveRevisions(app, (repo, e) =>
      repo === 'https://github.com/o/r' ? heads[e] : undefined,
    ) as unknown as {
      spec: { source: { targetRevision: string } };
      status: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    expect(out.spec.source.targetRevision).toBe('HEAD');
    expect(out.status.sync.revision).toBe(sha(1));
    expect(out.status.history.map((h: { revision: string }) => h.revision)).toEqual([sha(3), sha(2)]);
    expect(out.status.operationState.operation.sync.revision).toBe(sha(1));
    expect(out.status.operationState.syncResult).toEqual({
      revision: sha(1),
      source: { targetRevision: 'HEAD' },
    });
    expect(out.status.conditions[0].message).toBe(
      `Failed last sync attempt to [${sha(2)}]: one or more synchronization tasks are not valid (retried 5 times).`,
    );
  });
});
