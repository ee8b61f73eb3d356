import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/errors.ts';
import { NoChangeError } from '../changes.ts';
import type { ChangeIntent } from '../intents.ts';
import { createPlanner } from './index.ts';
import { app, applyPlan, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const edge = loadCorpus('edge-cases.txtar');
const plan = createPlanner();
const AT = '2026-08-24T10:00:00Z';
const FILE = 'plain/payments.yaml';
const live = [
  { kind: 'ConfigMap', name: 'payments-config' },
  { kind: 'Deployment', name: 'payments-api' },
  { kind: 'Deployment', name: 'payments-worker' },
];
const payments = app('payments', git('plain'), live);
/** The intent with the workload named, as `--path` would carry it. */
const at = (intent: ChangeIntent, path: string): ChangeIntent => Object.assign({}, intent, { path });

async function twice(files: Record<string, string>, r: ReturnType<typeof app>, intent: ChangeIntent) {
  const first = await plan(r, memoryTree(files), intent);
  await expect(plan(r, memoryTree(applyPlan(files, first)), intent)).rejects.toThrow(NoChangeError);
  return first;
}

const crlfOnly = (text: string) =>
  text
    .split('\n')
    .slice(0, -1)
    .every((l) => l.endsWith('\r'));

describe('a multi-document CRLF file with anchors and flow maps', () => {
  it('asks which workload when two could be meant, naming them and --path', async () => {
    const err = await plan(payments, memoryTree(edge), { kind: 'replicas', replicas: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(
      'Deployment payments-api (plain/payments.yaml), Deployment payments-worker',
    );
    expect(err.hint).toContain('--path');
  });

  it('scales one document: the replicas line keeps its comment and CRLF', async () => {
    const p = await twice(edge, payments, at({ kind: 'replicas', replicas: 3 }, 'payments-api'));
    expect(changesOf(p, FILE)).toEqual([
      '-16   replicas: 2 # raised for the Monday sale',
      '+16   replicas: 3 # raised for the Monday sale',
    ]);
    expect(crlfOnly(p.changes[0]?.after as string)).toBe(true);
  });

  it('adds spec.replicas where the Deployment has none', async () => {
    const p = await twice(
      edge,
      payments,
      at({ kind: 'replicas', replicas: 2 }, 'Deployment/payments-worker'),
    );
    expect(changesOf(p, FILE)).toEqual(['+50   replicas: 2']);
    expect(crlfOnly(p.changes[0]?.after as string)).toBe(true);
  });

  it('bumps a single-quoted image in place, keeping the registry port and quotes', async () => {
    const p = await twice(
      edge,
      payments,
      at({ kind: 'image', image: '1.5.0', container: 'api' }, 'payments-api'),
    );
    expect(changesOf(p, FILE)).toEqual([
      "-25           image: 'registry.local:5000/payments/api:1.4.2'",
      "+25           image: 'registry.local:5000/payments/api:1.5.0'",
    ]);
  });

  it('picks the container by the image repository when the intent gives one', async () => {
    const p = await twice(edge, payments, { kind: 'image', image: 'prom/statsd-exporter:v0.27.0' });
    expect(changesOf(p, FILE)).toEqual([
      '-30           image: "prom/statsd-exporter:v0.26.0"',
      '+30           image: "prom/statsd-exporter:v0.27.0"',
    ]);
  });

  it('replaces a digest with a tag', async () => {
    const p = await twice(edge, payments, {
      kind: 'image',
      image: 'registry.local:5000/payments/worker:2.0.1',
    });
    expect(changesOf(p, FILE)[1]).toBe('+46           image: registry.local:5000/payments/worker:2.0.1');
  });

  it('asks which container when the workload has several', async () => {
    const err = await plan(
      payments,
      memoryTree(edge),
      at({ kind: 'image', image: '1.5.0' }, 'payments-api'),
    ).catch((e) => e);
    expect(err.message).toContain('has 2 containers (api, metrics)');
    expect(err.hint).toContain('--container');
  });

  it('edits values inside flow maps, adding a key to one', async () => {
    const p = await twice(
      edge,
      payments,
      at({ kind: 'resources', container: 'api', limits: { memory: '512Mi', cpu: '1' } }, 'payments-api'),
    );
    expect(changesOf(p, FILE)).toEqual([
      '-28             limits: {memory: 256Mi}',
      '+28             limits: {memory: 512Mi, cpu: "1"}',
    ]);
  });

  it('edits the anchor for a container that uses an alias, and says it is shared', async () => {
    const p = await twice(
      edge,
      payments,
      at({ kind: 'resources', container: 'metrics', requests: { memory: '192Mi' } }, 'payments-api'),
    );
    expect(changesOf(p, FILE)).toEqual([
      '-27             requests: {cpu: 100m, memory: 128Mi}',
      '+27             requests: {cpu: 100m, memory: 192Mi}',
    ]);
    expect(p.summary[0]).toContain('shared YAML anchor');
  });

  it('restarts one Deployment: an annotations block after the flow labels', async () => {
    const p = await twice(edge, payments, at({ kind: 'restart', at: AT }, 'payments-api'));
    expect(changesOf(p, FILE)).toEqual([
      '+22       annotations:',
      `+23         deckhand.dev/restartedAt: "${AT}"`,
    ]);
  });

  it('refuses quantities that are not, or that are slips', async () => {
    const api = (limits: Record<string, string>) =>
      at({ kind: 'resources', container: 'api', limits }, 'payments-api');
    await expect(plan(payments, memoryTree(edge), api({ memory: 'lots' }))).rejects.toThrow(
      /memory=lots is not a Kubernetes quantity/,
    );
    await expect(plan(payments, memoryTree(edge), api({ memory: '512m' }))).rejects.toThrow(
      /memory=512m means 0.512 bytes/,
    );
    await expect(plan(payments, memoryTree(edge), api({ memory: '64Mi' }))).rejects.toThrow(
      /limit \(64Mi\) would be below the memory request \(128Mi\)/,
    );
  });

  it('names the containers when the one asked for does not exist', async () => {
    const intent = at({ kind: 'resources', container: 'sidecar', limits: { memory: '1Gi' } }, 'payments-api');
    await expect(plan(payments, memoryTree(edge), intent)).rejects.toThrow(
      'Deployment payments-api has no container sidecar; its containers: api, metrics.',
    );
  });
});

describe('an Argo Rollout', () => {
  const checkout = app('checkout', git('rollouts/checkout'));

  it('bumps a double-quoted image', async () => {
    const p = await twice(edge, checkout, { kind: 'image', image: 'v2.4.0' });
    expect(changesOf(p, 'rollouts/checkout/rollout.yaml')).toEqual([
      '-23           image: "ghcr.io/acme/checkout:v2.3.1"',
      '+23           image: "ghcr.io/acme/checkout:v2.4.0"',
    ]);
  });

  it('adds the restart annotation to the flow annotations map', async () => {
    const p = await twice(edge, checkout, { kind: 'restart', at: AT });
    expect(changesOf(p, 'rollouts/checkout/rollout.yaml')).toEqual([
      '-19       annotations: {prometheus.io/scrape: "true"}',
      `+19       annotations: {prometheus.io/scrape: "true", deckhand.dev/restartedAt: "${AT}"}`,
    ]);
  });

  it('compares quantities by amount: 1024Mi is the 1Gi already there', async () => {
    await expect(
      plan(checkout, memoryTree(edge), { kind: 'resources', limits: { memory: '1024Mi', cpu: '1000m' } }),
    ).rejects.toThrow(NoChangeError);
  });

  it('finds no workload in a path without one, and says where it looked', async () => {
    const files = { 'svc/service.yaml': edge['rollouts/checkout/service.yaml'] as string };
    const err = await plan(app('svc', git('svc')), memoryTree(files), { kind: 'restart', at: AT }).catch(
      (e) => e,
    );
    expect(err.message).toBe(
      'Found no Deployment, StatefulSet, DaemonSet or Rollout in the 1 manifest under svc.',
    );
    expect(err.hint).toContain('--path');
  });
});
