import { describe, expect, it } from 'vitest';
import { dump } from 'js-yaml';
import { parseScenario, ScenarioError, type KubeObject } from '../scenario.ts';

/** A story of one app whose new pod crash-loops while the old one serves. */
const story = (over: Record<string, unknown> = {}) => ({
  apiVersion: 'deckhand.dev/v1alpha1',
  kind: 'Story',
  metadata: { name: 'crash' },
  now: '2026-05-04T09:30:00Z',
  repo: 'https://github.com/example/infra',
  nodes: ['worker-1', 'worker-2'],
  namespaces: ['shop'],
  apps: [
    {
      name: 'api',
      namespace: 'shop',
      path: 'apps/api',
      history: [
        { commit: 'api/1', age: '6d' },
        { commit: 'api/2', age: '14m' },
      ],
      deployments: [
        {
          name: 'api',
          replicas: 1,
          progress: 'rolling',
          revisions: [
            {
              revision: 1,
              created: '6d',
              containers: [{ name: 'api', image: 'example/api:1', port: 8080, readiness: '/ready' }],
              pods: [{ created: '6d', node: 'worker-1' }],
            },
            {
              revision: 2,
              created: '14m',
              image: 'example/api:2',
              pods: [
                {
                  created: '14m',
                  node: 'worker-2',
                  state: {
                    is: 'crash-looping',
                    restarts: 7,
                    backoff: '5m0s',
                    last: { reason: 'Error', exitCode: 1, finished: '2m' },
                  },
                },
              ],
            },
          ],
        },
      ],
      services: [{ name: 'api', selector: { 'app.kubernetes.io/name': 'api' } }],
    },
  ],
  ...over,
});

const load = (doc: unknown) => parseScenario(dump(doc), 'story.yaml');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const objects = (doc: unknown) => load(doc).clusters[0]!.objects as (KubeObject & Record<string, any>)[];

describe('stories', () => {
  it('write a crash-looping pod as the kubelet reports it, with its events, Endpoints and app health', () => {
    const all = objects(story());
    const pods = all.filter((o) => o.kind === 'Pod');
    expect(pods).toHaveLength(2);
    const bad = pods.find((p) => p.spec.nodeName === 'worker-2')!;
    const status = bad.status.containerStatuses[0];
    expect(status.state.waiting.reason).toBe('CrashLoopBackOff');
    expect(status.state.waiting.message).toBe(
      `back-off 5m0s restarting failed container=api pod=${bad.metadata.name}_shop(${bad.metadata.uid})`,
    );
    expect(status.lastState.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
    expect(status.restartCount).toBe(7);
    // Named as the sandbox's reconciler names a ReplicaSet: by the pod template's hash.
    const rs = all.find(
      (o) => o.kind === 'ReplicaSet' && o.metadata.name === bad.metadata.ownerReferences![0]!.name,
    )!;
    expect(bad.metadata.labels!['pod-template-hash']).toBe(rs.metadata.name.slice('api-'.length));
    const events = all.filter((o) => o.kind === 'Event' && o.involvedObject.name === bad.metadata.name);
    expect(events.map((e) => [e.reason, e.count, e.source.host])).toEqual([
      ['Created', 8, 'worker-2'],
      ['Started', 8, 'worker-2'],
      ['BackOff', 31, 'worker-2'],
    ]);
    const endpoints = all.find((o) => o.kind === 'Endpoints')!;
    expect(endpoints.subsets[0].addresses).toHaveLength(1);
    expect(endpoints.subsets[0].notReadyAddresses[0].targetRef.name).toBe(bad.metadata.name);
    const app = load(story()).argocd[0]!.applications[0]!;
    expect((app.status as { health: { status: string } }).health.status).toBe('Progressing');
  });

  it('name the place of a mistake in the story, not a stack', () => {
    const bad = story();
    const pod = bad.apps[0]!.deployments[0]!.revisions[1]!.pods[0]!;
    (pod as Record<string, unknown>).state = { is: 'exploded' };
    expect(() => load(bad)).toThrow(ScenarioError);
    try {
      load(bad);
    } catch (e) {
      expect((e as ScenarioError).problems).toEqual([
        expect.stringMatching(/^apps\.0\.deployments\.0\.revisions\.1\.pods\.0\.state\.is: /),
      ]);
    }
    const unknown = story();
    unknown.apps[0]!.deployments[0]!.revisions[0]!.containers = [{ like: 'nope' } as never];
    expect(() => load(unknown)).toThrow(
      'apps.0.deployments.0.revisions.0.containers.0.like: no container nope in the story',
    );
  });

  it('make the same world every time, and another for another story', () => {
    expect(load(story())).toEqual(load(story()));
    const uids = (doc: unknown) => objects(doc).map((o) => o.metadata.uid);
    expect(uids(story({ metadata: { name: 'other' } }))).not.toEqual(uids(story()));
  });
});
