import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { NoChangeError } from '../changes.ts';
import type { ChangeIntent } from '../intents.ts';
import { createPlanner } from './index.ts';
import { app, applyPlan, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const homeLab = loadCorpus('home-lab.txtar');
const edge = loadCorpus('edge-cases.txtar');
const plan = createPlanner();
const AT = '2026-08-24T10:00:00Z';

const grafana = app(
  'grafana',
  git('monitoring/grafana', { helm: { releaseName: 'grafana', valueFiles: ['values.yaml'] } }),
);
const ordersProd = app('orders-prod', git('charts/orders', { helm: { valueFiles: ['values-prod.yaml'] } }));
const ordersDev = app('orders-dev', git('charts/orders'));

async function twice(
  files: Record<string, string>,
  r: ReturnType<typeof app>,
  intent: ChangeIntent,
  p = plan,
) {
  const first = await p(r, memoryTree(files), intent);
  await expect(p(r, memoryTree(applyPlan(files, first)), intent)).rejects.toThrow(NoChangeError);
  return first;
}

describe('a Helm chart in Git (grafana)', () => {
  it('bumps image.tag in values.yaml', async () => {
    const p = await twice(homeLab, grafana, { kind: 'image', image: '12.2.0' });
    expect(changesOf(p, 'monitoring/grafana/values.yaml')).toEqual(['-4   tag: 12.1.1', '+4   tag: 12.2.0']);
    expect(p.summary).toEqual(['monitoring/grafana/values.yaml: image.tag 12.1.1 → 12.2.0']);
  });

  it('finds the replica key the templates use (replicas, not replicaCount)', async () => {
    const p = await twice(homeLab, grafana, { kind: 'replicas', replicas: 2 });
    expect(changesOf(p, 'monitoring/grafana/values.yaml')).toEqual(['-5 replicas: 1', '+5 replicas: 2']);
  });

  it('sets memory in the nested resources', async () => {
    const p = await twice(homeLab, grafana, { kind: 'resources', limits: { memory: '768Mi' } });
    expect(changesOf(p, 'monitoring/grafana/values.yaml')).toEqual([
      '-11     memory: 512Mi',
      '+11     memory: 768Mi',
    ]);
  });

  it('cannot restart a chart without a pod annotations value, and says what it looked for', async () => {
    const err = await plan(grafana, memoryTree(homeLab), { kind: 'restart', at: AT }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain('looked for podAnnotations');
    expect(err.message).toContain('monitoring/grafana/values.yaml');
  });

  it('uses configured values keys', async () => {
    const files = {
      ...homeLab,
      'monitoring/grafana/values.yaml': `${homeLab['monitoring/grafana/values.yaml']}pod:\n  annotations: {}\n`,
    };
    const custom = createPlanner({ valuesKeys: { grafana: { podAnnotations: 'pod.annotations' } } });
    const p = await twice(files, grafana, { kind: 'restart', at: AT }, custom);
    expect(changesOf(p, 'monitoring/grafana/values.yaml')).toEqual([
      '-17   annotations: {}',
      `+17   annotations: {deckhand.dev/restartedAt: "${AT}"}`,
    ]);
  });
});

describe('per-environment values files (orders)', () => {
  it('writes to the environment file, keeping its quotes', async () => {
    const p = await twice(edge, ordersProd, { kind: 'image', image: '2.1' });
    expect(p.changes.map((c) => c.path)).toEqual(['charts/orders/values-prod.yaml']);
    expect(changesOf(p, 'charts/orders/values-prod.yaml')).toEqual(['-3   tag: "2.0"', '+3   tag: "2.1"']);
  });

  it('overrides a default in the environment file instead of editing the shared values.yaml', async () => {
    const p = await twice(edge, ordersProd, { kind: 'resources', requests: { memory: '384Mi' } });
    expect(p.changes.map((c) => c.path)).toEqual(['charts/orders/values-prod.yaml']);
    expect(changesOf(p, 'charts/orders/values-prod.yaml')).toEqual([
      '+7   requests:',
      '+8     memory: 384Mi',
    ]);
    expect(p.summary).toEqual([
      'charts/orders/values-prod.yaml: resources.requests.memory 256Mi (from charts/orders/values.yaml) → 384Mi',
    ]);
  });

  it('scales with replicaCount', async () => {
    const p = await twice(edge, ordersProd, { kind: 'replicas', replicas: 5 });
    expect(changesOf(p, 'charts/orders/values-prod.yaml')).toEqual([
      '-1 replicaCount: 3',
      '+1 replicaCount: 5',
    ]);
  });

  it('restarts through podAnnotations, in the empty flow map of values.yaml', async () => {
    const p = await twice(edge, ordersDev, { kind: 'restart', at: AT });
    expect(changesOf(p, 'charts/orders/values.yaml')).toEqual([
      '-10 podAnnotations: {}',
      `+10 podAnnotations: {deckhand.dev/restartedAt: "${AT}"}`,
    ]);
  });

  it('fills an empty quoted tag', async () => {
    const p = await twice(edge, ordersDev, { kind: 'image', image: '2.1.1' });
    expect(changesOf(p, 'charts/orders/values.yaml')).toEqual(['-7   tag: ""', '+7   tag: "2.1.1"']);
  });

  it('refuses a limit below the request, and a digest the chart has no value for', async () => {
    await expect(
      plan(ordersProd, memoryTree(edge), { kind: 'resources', limits: { memory: '128Mi' } }),
    ).rejects.toThrow(/memory limit \(128Mi\) would be below the memory request \(256Mi\)/);
    const digest = `sha256:${'a'.repeat(64)}`;
    await expect(
      plan(ordersProd, memoryTree(edge), { kind: 'image', image: `ghcr.io/acme/orders@${digest}` }),
    ).rejects.toThrow(/Could not find an image digest value/);
  });

  it('refuses when the Application sets the key itself', async () => {
    const r = app(
      'orders-prod',
      git('charts/orders', {
        helm: { valueFiles: ['values-prod.yaml'], parameters: [{ name: 'image.tag', value: '1.9' }] },
      }),
    );
    await expect(plan(r, memoryTree(edge), { kind: 'image', image: '2.1' })).rejects.toThrow(
      /helm.parameters image.tag=1.9/,
    );
  });
});

describe('charts from a chart repository', () => {
  const chart = {
    repoURL: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    targetRevision: '75.12.0',
  };

  it('refuses a single chart source: there is nothing in Git to edit', async () => {
    const err = await plan(app('kube-prometheus-stack', chart), memoryTree(homeLab), {
      kind: 'replicas',
      replicas: 2,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      "kube-prometheus-stack's source is a Helm chart repository (chart kube-prometheus-stack from https://prometheus-community.github.io/helm-charts), not Git, so there is no file to edit.",
    );
  });

  it('edits the values file of a multi-source app ($values ref)', async () => {
    const files = { 'envs/prod/orders.yaml': 'replicaCount: 2 # prod\n' };
    const r = app('orders', {
      sources: [
        { ...chart, chart: 'orders', helm: { valueFiles: ['$values/envs/prod/orders.yaml'] } },
        { repoURL: 'https://github.com/acme/infra', targetRevision: 'main', ref: 'values' },
      ],
    });
    const p = await twice(files, r, { kind: 'replicas', replicas: 4 });
    expect(changesOf(p, 'envs/prod/orders.yaml')).toEqual([
      '-1 replicaCount: 2 # prod',
      '+1 replicaCount: 4 # prod',
    ]);
  });
});

describe('--path for Helm apps', () => {
  const withPath = (intent: ChangeIntent, path: string): ChangeIntent => Object.assign({}, intent, { path });

  it('names the values key when the chart uses its own', async () => {
    const files = { ...edge, 'charts/orders/values-prod.yaml': 'api:\n  image:\n    tag: "2.0"\n' };
    const p = await twice(files, ordersProd, withPath({ kind: 'image', image: '2.2' }, 'api.image.tag'));
    expect(changesOf(p, 'charts/orders/values-prod.yaml')).toEqual([
      '-3     tag: "2.0"',
      '+3     tag: "2.2"',
    ]);
  });

  it('picks the values file, and refuses one that a later file overrides', async () => {
    const p = await plan(
      ordersProd,
      memoryTree(edge),
      withPath({ kind: 'resources', limits: { cpu: '2' } }, 'values.yaml'),
    );
    expect(changesOf(p, 'charts/orders/values.yaml')).toEqual(['+18     cpu: "2"']);
    await expect(
      plan(ordersProd, memoryTree(edge), withPath({ kind: 'replicas', replicas: 9 }, 'values.yaml')),
    ).rejects.toThrow(
      'charts/orders/values-prod.yaml sets replicaCount too, and it wins over charts/orders/values.yaml.',
    );
    await expect(
      plan(ordersProd, memoryTree(edge), withPath({ kind: 'replicas', replicas: 9 }, 'values-qa.yaml')),
    ).rejects.toThrow(/values-qa.yaml is not one of orders-prod's values files/);
  });
});

describe('a chart with its registry kept apart, and several images', () => {
  const files = {
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/values.yaml': [
      'image:',
      '  registry: ghcr.io',
      '  repository: acme/web',
      '  tag: 1.0.0',
      'migrations:',
      '  image: ghcr.io/acme/web:1.0.0',
      'sidecar:',
      '  image:',
      '    repository: ghcr.io/acme/proxy',
      '    tag: 0.3.0',
      '',
    ].join('\n'),
  };
  const web = app('web', git('charts/web', { helm: { valueFiles: ['values.yaml'] } }));

  it("bumps the one key that names the repository, and leaves a split registry's repository alone", async () => {
    const plan = createPlanner();
    const proxy = await plan(web, memoryTree(files), { kind: 'image', image: 'ghcr.io/acme/proxy:0.4.0' });
    expect(changesOf(proxy, 'charts/web/values.yaml')).toEqual(['-10     tag: 0.3.0', '+10     tag: 0.4.0']);
    // Two keys name ghcr.io/acme/web: the usual `image` key is the one, its repository unchanged.
    const own = await plan(web, memoryTree(files), { kind: 'image', image: 'ghcr.io/acme/web:2.0.0' });
    expect(changesOf(own, 'charts/web/values.yaml')).toEqual(['-4   tag: 1.0.0', '+4   tag: 2.0.0']);
  });
});
