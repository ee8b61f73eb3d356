import { describe, expect, it } from 'vitest';
import type { Plan } from '../changes.ts';
import { createPlanner } from '../edit/index.ts';
import { app, git, loadCorpus, memoryTree } from '../edit/testing.ts';
import type { ChangeIntent } from '../intents.ts';
import { checkScope, UnintendedEditError } from './scope.ts';

const homeLab = loadCorpus('home-lab.txtar');
const edge = loadCorpus('edge-cases.txtar');
const AT = '2026-08-24T10:00:00Z';
const plan = createPlanner();
const at = (intent: ChangeIntent, path: string): ChangeIntent => Object.assign({}, intent, { path });

const naverNews = app('naver-news', git('k8s/apps/naver-news'));
const flashApiProd = app('flash-api-prod', git('flash-tickets/overlays/prod/flash-api'));
const payments = app('payments', git('plain'), [
  { kind: 'Deployment', name: 'payments-api' },
  { kind: 'Deployment', name: 'payments-worker' },
]);
const grafana = app(
  'grafana',
  git('monitoring/grafana', { helm: { releaseName: 'grafana', valueFiles: ['values.yaml'] } }),
);
const ordersProd = app('orders-prod', git('charts/orders', { helm: { valueFiles: ['values-prod.yaml'] } }));
const ordersDev = app('orders-dev', git('charts/orders'));

/**
 * The planner's own edits, one per layout and way of writing (in place, a new kustomize entry, a
 * new patch file, flow maps, anchors, CRLF, Helm values): the check must let every one through.
 */
const asked: [string, Record<string, string>, ReturnType<typeof app>, ChangeIntent][] = [
  ['kustomize images entry', homeLab, naverNews, { kind: 'image', image: 'master-484af0a' }],
  ['kustomize newName', homeLab, naverNews, { kind: 'image', image: 'ghcr.io/acme/news:2.0.0' }],
  ['replicas in the manifest', homeLab, naverNews, { kind: 'replicas', replicas: 2 }],
  ['memory limit', homeLab, naverNews, { kind: 'resources', limits: { memory: '1Gi' } }],
  ['cpu limit', homeLab, naverNews, { kind: 'resources', limits: { cpu: '750m' } }],
  ['memory request', homeLab, naverNews, { kind: 'resources', requests: { memory: '256Mi' } }],
  ['cpu request', homeLab, naverNews, { kind: 'resources', requests: { cpu: '500m' } }],
  [
    'limits and requests',
    homeLab,
    naverNews,
    { kind: 'resources', limits: { memory: '1Gi', cpu: '1' }, requests: { memory: '512Mi', cpu: '250m' } },
  ],
  ['restart annotation', homeLab, naverNews, { kind: 'restart', at: AT }],
  ['statefulset replicas', homeLab, app('mysql', git('k8s/apps/mysql')), { kind: 'replicas', replicas: 3 }],
  ['overlay replicas entry', homeLab, flashApiProd, { kind: 'replicas', replicas: 4 }],
  ['overlay image', homeLab, flashApiProd, { kind: 'image', image: 'v1.16.0' }],
  ['overlay new patch', homeLab, flashApiProd, { kind: 'resources', limits: { memory: '1Gi' } }],
  [
    'overlay restart patch',
    homeLab,
    app('flash-pay-worker-staging', git('flash-tickets/overlays/staging/flash-pay-worker')),
    { kind: 'restart', at: AT },
  ],
  ['CRLF replicas with a comment', edge, payments, at({ kind: 'replicas', replicas: 3 }, 'payments-api')],
  [
    'a new spec.replicas',
    edge,
    payments,
    at({ kind: 'replicas', replicas: 2 }, 'Deployment/payments-worker'),
  ],
  ['quoted image', edge, payments, at({ kind: 'image', image: '1.5.0', container: 'api' }, 'payments-api')],
  ['digest to tag', edge, payments, { kind: 'image', image: 'registry.local:5000/payments/worker:2.0.1' }],
  [
    'flow map resources',
    edge,
    payments,
    at({ kind: 'resources', container: 'api', limits: { memory: '512Mi', cpu: '1' } }, 'payments-api'),
  ],
  [
    'an anchor shared by two containers',
    edge,
    payments,
    at({ kind: 'resources', container: 'metrics', requests: { memory: '192Mi' } }, 'payments-api'),
  ],
  ['restart after flow labels', edge, payments, at({ kind: 'restart', at: AT }, 'payments-api')],
  ['rollout image', edge, app('checkout', git('rollouts/checkout')), { kind: 'image', image: 'v2.4.0' }],
  ['rollout flow annotations', edge, app('checkout', git('rollouts/checkout')), { kind: 'restart', at: AT }],
  [
    'inline patch replicas',
    edge,
    app('shop-prod', git('shop/overlays/prod'), [{ kind: 'Deployment', name: 'prod-web' }]),
    { kind: 'replicas', replicas: 6 },
  ],
  [
    'inline patch resources',
    edge,
    app('shop-prod', git('shop/overlays/prod'), [{ kind: 'Deployment', name: 'prod-web' }]),
    { kind: 'resources', limits: { memory: '512Mi', cpu: '250m' } },
  ],
  ['base image', edge, app('shop-base', git('shop/base')), { kind: 'image', image: 'nginx:1.28.0' }],
  ['helm image.tag', homeLab, grafana, { kind: 'image', image: '12.2.0' }],
  ['helm inferred replicas key', homeLab, grafana, { kind: 'replicas', replicas: 2 }],
  ['helm resources', homeLab, grafana, { kind: 'resources', limits: { memory: '768Mi' } }],
  ['helm environment file', edge, ordersProd, { kind: 'image', image: '2.1' }],
  ['helm request override', edge, ordersProd, { kind: 'resources', requests: { memory: '384Mi' } }],
  ['helm replicaCount', edge, ordersProd, { kind: 'replicas', replicas: 5 }],
  ['helm podAnnotations', edge, ordersDev, { kind: 'restart', at: AT }],
  ['helm empty tag', edge, ordersDev, { kind: 'image', image: '2.1.1' }],
];

describe('the scope check lets the planner’s own edits through', () => {
  it.each(asked)('%s', async (_name, files, r, intent) => {
    const p = await plan(r, memoryTree(files), intent);
    expect(() => checkScope(intent, p, r.ref)).not.toThrow();
  });

  it('Helm keys of the chart’s or the team’s choosing: configured, named with --path, a $values file', async () => {
    const annotated = {
      ...homeLab,
      'monitoring/grafana/values.yaml': `${homeLab['monitoring/grafana/values.yaml']}pod:\n  annotations: {}\n`,
    };
    const custom = createPlanner({ valuesKeys: { grafana: { podAnnotations: 'pod.annotations' } } });
    const restart: ChangeIntent = { kind: 'restart', at: AT };
    checkScope(restart, await custom(grafana, memoryTree(annotated), restart), 'grafana');

    const own = { ...edge, 'charts/orders/values-prod.yaml': 'api:\n  image:\n    tag: "2.0"\n' };
    const bump = at({ kind: 'image', image: '2.2' }, 'api.image.tag');
    checkScope(bump, await plan(ordersProd, memoryTree(own), bump), 'orders-prod');

    const chart = { repoURL: 'https://charts.example.com', targetRevision: '1.0.0', chart: 'orders' };
    const multi = app('orders', {
      sources: [
        { ...chart, helm: { valueFiles: ['$values/envs/prod/orders.yaml'] } },
        { repoURL: 'https://github.com/acme/infra', targetRevision: 'main', ref: 'values' },
      ],
    });
    const scale: ChangeIntent = { kind: 'replicas', replicas: 4 };
    const files = { 'envs/prod/orders.yaml': 'replicaCount: 2 # prod\n' };
    checkScope(scale, await plan(multi, memoryTree(files), scale), 'orders');
  });
});

/** A plan of one file: `before` edited by `edit`. */
const oneFile = (path: string, before: string, after: string): Plan => ({
  changes: [{ path, before, after }],
  summary: ['whatever the planner says'],
});

const DEPLOY = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  '  labels: {tier: web}',
  'spec:',
  '  replicas: 2 # busy',
  '  template:',
  '    spec:',
  '      containers:',
  '        - name: web',
  '          image: ghcr.io/acme/web:1.0',
  '          resources:',
  '            limits: {memory: 512Mi}',
  '        - name: sidecar',
  '          image: ghcr.io/acme/proxy:3.1',
  '',
].join('\n');
const edit = (...pairs: [string, string][]) => pairs.reduce((t, [a, b]) => t.replace(a, b), DEPLOY);
const checking = (intent: ChangeIntent, after: string) => () =>
  checkScope(intent, oneFile('apps/web/deployment.yaml', DEPLOY, after), 'web');

describe('the scope check refuses an edit that strays', () => {
  it('lets the one asked-for line through', () => {
    expect(checking({ kind: 'replicas', replicas: 3 }, edit(['replicas: 2', 'replicas: 3']))).not.toThrow();
  });

  it('refuses a replicas change that also changes another value', () => {
    const after = edit(['replicas: 2', 'replicas: 3'], ['web:1.0', 'web:1.1']);
    expect(checking({ kind: 'replicas', replicas: 3 }, after)).toThrow(UnintendedEditError);
    expect(checking({ kind: 'replicas', replicas: 3 }, after)).toThrow(/containers\[web\]\.image .*web:1\.1/);
  });

  it('refuses a replica count other than the one asked for', () => {
    expect(checking({ kind: 'replicas', replicas: 3 }, edit(['replicas: 2', 'replicas: 4']))).toThrow(
      /spec\.replicas 2 → 4/,
    );
  });

  it('refuses a changed comment and a reformatted line, though no value changed', () => {
    const comment = edit(['replicas: 2', 'replicas: 3'], ['# busy', '# quiet']);
    // A comment on the line that changes goes with it: the line is the replicas line.
    expect(checking({ kind: 'replicas', replicas: 3 }, comment)).not.toThrow();
    const other = edit(['replicas: 2', 'replicas: 3'], ['{tier: web}', '{ tier: web }']);
    expect(checking({ kind: 'replicas', replicas: 3 }, other)).toThrow(/line \+labels: \{ tier: web \}/);
    const added = edit(['replicas: 2', 'replicas: 3'], ['spec:\n', 'spec:\n  # scaled by deckhand\n']);
    expect(checking({ kind: 'replicas', replicas: 3 }, added)).toThrow(/line \+# scaled by deckhand/);
  });

  it('refuses an image change in a container other than the one named', () => {
    const intent: ChangeIntent = { kind: 'image', image: '3.2', container: 'sidecar' };
    expect(checking(intent, edit(['proxy:3.1', 'proxy:3.2']))).not.toThrow();
    expect(checking(intent, edit(['proxy:3.1', 'proxy:3.2'], ['web:1.0', 'web:3.2']))).toThrow(
      /containers\[web\]\.image/,
    );
  });

  it('refuses resources beyond the ones asked: a cpu nobody asked for, a request for a limit', () => {
    const memory: ChangeIntent = { kind: 'resources', limits: { memory: '768Mi' } };
    expect(checking(memory, edit(['{memory: 512Mi}', '{memory: 768Mi}']))).not.toThrow();
    expect(checking(memory, edit(['{memory: 512Mi}', '{memory: 768Mi, cpu: "1"}']))).toThrow(/limits\.cpu/);
    const request = edit(['limits: {memory: 512Mi}', 'requests: {memory: 768Mi}']);
    expect(checking(memory, request)).toThrow(/requests\.memory/);
  });

  it('refuses a restart that writes anything but its annotation', () => {
    const intent: ChangeIntent = { kind: 'restart', at: AT };
    const ok = edit([
      '  template:\n',
      `  template:\n    metadata:\n      annotations:\n        deckhand.dev/restartedAt: "${AT}"\n`,
    ]);
    expect(checking(intent, ok)).not.toThrow();
    const more = edit([
      '  template:\n',
      `  template:\n    metadata:\n      annotations:\n        deckhand.dev/restartedAt: "${AT}"\n        owner: me\n`,
    ]);
    expect(checking(intent, more)).toThrow(/annotations\.owner/);
  });

  it('refuses deleting a file, and a file it cannot read', () => {
    const intent: ChangeIntent = { kind: 'replicas', replicas: 3 };
    const gone: Plan = {
      changes: [{ path: 'apps/web/deployment.yaml', before: DEPLOY, after: null }],
      summary: [],
    };
    expect(() => checkScope(intent, gone, 'web')).toThrow(/would be deleted/);
    expect(checking(intent, `${DEPLOY}  : [\n`)).toThrow(/could not be read as YAML/);
  });

  it('refuses a new list item that carries nothing the intent asked for', () => {
    const intent: ChangeIntent = { kind: 'replicas', replicas: 3 };
    const after = edit(
      ['replicas: 2', 'replicas: 3'],
      ['      containers:\n', '      imagePullSecrets:\n        - name: regcred\n      containers:\n'],
    );
    expect(checking(intent, after)).toThrow(/imagePullSecrets\[regcred\]\.name/);
  });
});

describe('the scope check on an .argocd-source file (a list of image references)', () => {
  const FILE = 'apps/web/.argocd-source-web.yaml';
  const before = 'kustomize:\n  images:\n  - ghcr.io/team/web:1.3.0\n  - ghcr.io/team/web-worker:2.0\n';
  const bump: ChangeIntent = { kind: 'image', image: 'ghcr.io/team/web:1.4.0' };
  const check = (after: string) => () => checkScope(bump, oneFile(FILE, before, after), 'web');
  it('lets the asked entry through', () => {
    expect(check(before.replace('web:1.3.0', 'web:1.4.0'))).not.toThrow();
  });
  it('refuses a comment on it, and another image whose name contains the asked one', () => {
    expect(check(before.replace('web:1.3.0', 'web:1.4.0 # see https://example.com'))).toThrow(
      UnintendedEditError,
    );
    expect(
      check(before.replace('web:1.3.0', 'web:1.4.0').replace('web-worker:2.0', 'web-worker:6.6.6')),
    ).toThrow(/web-worker:6\.6\.6/);
  });
});

describe('the scope check on an .argocd-source file of a Helm app (parameters)', () => {
  const FILE = 'charts/web/.argocd-source-web.yaml';
  const before =
    'helm:\n  parameters:\n  - name: image.name\n    value: ghcr.io/team/web\n    forcestring: true\n  - name: image.tag\n    value: 1.3.0\n    forcestring: true\n';
  const bump: ChangeIntent = { kind: 'image', image: 'ghcr.io/team/web:1.4.0' };
  const check = (after: string) => () => checkScope(bump, oneFile(FILE, before, after), 'web');
  it('lets the tag parameter through, and nothing else', () => {
    expect(check(before.replace('value: 1.3.0', 'value: 1.4.0'))).not.toThrow();
    expect(
      check(
        before.replace('value: 1.3.0', 'value: 1.4.0').replace('forcestring: true', 'forcestring: false'),
      ),
    ).toThrow(UnintendedEditError);
    expect(check(before.replace('value: 1.3.0', 'value: 9.9.9'))).toThrow(UnintendedEditError);
  });
});
