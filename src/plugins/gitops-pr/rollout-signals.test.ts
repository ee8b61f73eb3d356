import { describe, expect, it } from 'vitest';
import type { Application, ApplicationTree } from '../argocd/index.ts';
import { newPods, podFailure, syncFailure } from './rollout-signals.ts';

const merge = Date.parse('2026-12-06T10:00:00.400Z');
// Pod nodes as Argo CD's resource tree carries them (controller/cache/info.go populatePodInfo).
const pod = (name: string, createdAt: string, reason: string, restarts?: number) => ({
  kind: 'Pod',
  version: 'v1',
  namespace: 'web',
  name,
  createdAt,
  info: [
    { name: 'Status Reason', value: reason },
    { name: 'Containers', value: '0/1' },
    ...(restarts ? [{ name: 'Restart Count', value: String(restarts) }] : []),
  ],
});
const tree = (...nodes: ReturnType<typeof pod>[]): ApplicationTree =>
  ({
    nodes: [{ kind: 'Deployment', group: 'apps', version: 'v1', name: 'web' }, ...nodes],
  }) as ApplicationTree;

describe('rollout signals', () => {
  it("counts the rollout's pods only: a creation time in the second of the merge, not a pod from before it", () => {
    const pods = newPods(
      tree(
        pod('web-old-1', '2026-12-01T08:00:00Z', 'CrashLoopBackOff', 40),
        pod('web-new-1', '2026-12-06T10:00:00Z', 'ImagePullBackOff'),
        pod('web-last-change', '2026-12-06T09:59:57Z', 'CrashLoopBackOff', 3),
        pod('web-new-2', '2026-12-06T10:00:02Z', 'ContainerCreating'),
      ),
      merge,
    );
    expect(pods.map((p) => p.pod)).toEqual(['web-new-1', 'web-new-2']);
    // A stuck reason counts once it lasted: an image still being pushed heals on its own.
    const since = { 'web-new-1/ImagePullBackOff': 1_000 };
    expect(podFailure(pods, {}, { since, now: 5_000, forMs: 20_000 })).toBeUndefined();
    expect(podFailure(pods, {}, { since, now: 21_000, forMs: 20_000 })).toMatchObject({
      pod: 'web-new-1',
      reason: 'ImagePullBackOff',
    });
  });

  it('a crash loop is certain when its restarts grow, or past three; ErrImagePull alone is not', () => {
    expect(podFailure([{ pod: 'a', reason: 'ErrImagePull', restarts: 0 }], {})).toBeUndefined();
    expect(podFailure([{ pod: 'a', reason: 'CrashLoopBackOff', restarts: 1 }], {})).toBeUndefined();
    expect(podFailure([{ pod: 'a', reason: 'CrashLoopBackOff', restarts: 2 }], { a: 1 })).toMatchObject({
      reason: 'CrashLoopBackOff',
      detail: 'pod a: CrashLoopBackOff, restarted 2 times',
    });
    expect(podFailure([{ pod: 'a', reason: 'CrashLoopBackOff', restarts: 2 }], { a: 2 })).toBeUndefined();
    expect(podFailure([{ pod: 'a', reason: 'OOMKilled', restarts: 3 }], {})).toMatchObject({
      reason: 'CrashLoopBackOff',
    });
    const lasted = { since: { 'a/CreateContainerConfigError': 0 }, now: 30_000, forMs: 20_000 };
    expect(
      podFailure([{ pod: 'a', reason: 'CreateContainerConfigError', restarts: 0 }], {}, lasted),
    ).toMatchObject({ reason: 'CreateContainerConfigError' });
  });

  it('a failed sync counts when it is of the merged revision or started after the merge; retrying is not failed', () => {
    const app = (phase: string, revision: string, startedAt: string) =>
      ({
        metadata: { name: 'web' },
        spec: {},
        status: {
          operationState: {
            operation: { sync: { revision } },
            phase,
            message: 'one or more objects failed to apply, reason: spec.selector: field is immutable',
            startedAt,
            syncResult: { revision },
          },
        },
      }) as unknown as Application;
    expect(syncFailure(app('Failed', 'abc123', '2026-12-06T10:00:01Z'), 'abc123', merge)).toMatchObject({
      reason: 'sync Failed',
      detail: expect.stringContaining('field is immutable'),
    });
    // A self-heal of the old commit that fails after the merge is not this change's failure.
    expect(syncFailure(app('Error', 'old999', '2026-12-06T10:00:05Z'), 'abc123', merge)).toBeUndefined();
    expect(syncFailure(app('Failed', 'old999', '2026-12-06T09:00:00Z'), 'abc123', merge)).toBeUndefined();
    expect(syncFailure(app('Running', 'abc123', '2026-12-06T10:00:01Z'), 'abc123', merge)).toBeUndefined();
  });
});
