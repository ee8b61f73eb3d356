import { describe, expect, it } from 'vitest';
import { build, type RepoFiles } from './kustomize.ts';

const repo = (files: Record<string, string>): RepoFiles => ({
  read: (p) => files[p],
  list: (dir) => {
    const prefix = dir ? `${dir}/` : '';
    const names = new Set<string>();
    for (const f of Object.keys(files))
      if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0] as string);
    return [...names];
  },
});

const deployment = (name: string, image: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  template:
    spec:
      containers:
        - name: app
          image: ${image}
          resources:
            limits: {memory: 256Mi}
        - name: sidecar
          image: envoyproxy/envoy:v1.30
`;

describe('kustomize build (sandbox subset)', () => {
  const files = repo({
    'base/api/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
    'base/api/deployment.yaml': deployment('api', 'ghcr.io/flash/api:1.7.0'),
    'base/api/service.yaml':
      'apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {ports: [{port: 80}]}\n',
    'overlays/prod/api/kustomization.yaml': [
      'namespace: flash-prod',
      'resources:',
      '  - ../../../base/api',
      'images:',
      '  - name: ghcr.io/flash/api',
      '    newTag: 1.8.0',
      'replicas:',
      '  - name: api',
      '    count: 4',
      'patches:',
      '  - path: memory.yaml',
      '  - target: {kind: Deployment, name: api}',
      '    patch: |-',
      '      - op: add',
      '        path: /spec/template/metadata',
      '        value: {annotations: {deckhand.dev/restartedAt: "2026-11-24T09:00:00Z"}}',
    ].join('\n'),
    'overlays/prod/api/memory.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources:\n            limits: {memory: 1Gi}\n',
    'plain/all.yaml': `${deployment('web', 'nginx:1.27')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n`,
  });

  it('follows bases, applies images, replicas, patches and namespace', () => {
    const out = build(files, 'overlays/prod/api');
    const dep = out.find((m) => m.kind === 'Deployment') as unknown as {
      spec: {
        replicas: number;
        template: { metadata: { annotations: Record<string, string> }; spec: { containers: unknown[] } };
      };
    };
    expect(out.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`)).toEqual([
      'Deployment/flash-prod/api',
      'Service/flash-prod/api',
    ]);
    expect(dep.spec.replicas).toBe(4);
    expect(dep.spec.template.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/flash/api:1.8.0',
      resources: { limits: { memory: '1Gi' } },
    });
    // The sidecar is untouched by the images entry and by the patch merged by container name.
    expect(dep.spec.template.spec.containers[1]).toEqual({
      name: 'sidecar',
      image: 'envoyproxy/envoy:v1.30',
    });
    expect(dep.spec.template.metadata.annotations['deckhand.dev/restartedAt']).toBe('2026-11-24T09:00:00Z');
  });

  it('builds a plain directory of multi-document files', () => {
    expect(build(files, 'plain').map((m) => m.kind)).toEqual(['Deployment', 'ConfigMap']);
  });

  it('skips remote bases it cannot reach and builds the rest', () => {
    const f = repo({
      'k/kustomization.yaml': 'resources:\n  - https://github.com/x/y//base?ref=v1\n  - d.yaml\n',
      'k/d.yaml': deployment('d', 'x:1'),
    });
    expect(build(f, 'k')).toHaveLength(1);
  });
});

describe('kustomize names and the Application’s own overrides', () => {
  const files = repo({
    'app/kustomization.yaml': 'namePrefix: shop-\nnameSuffix: -v2\nresources:\n  - deployment.yaml\n',
    'app/deployment.yaml': deployment('web', 'ghcr.io/o/web:1.0'),
  });

  it('prefixes and suffixes names', () => {
    expect(build(files, 'app').map((m) => m.metadata.name)).toEqual(['shop-web-v2']);
  });

  it('applies spec.source.kustomize as `kustomize edit set` would (argo-cd util/kustomize)', () => {
    const [m] = build(files, 'app', {
      overrides: {
        namePrefix: 'eu-',
        images: ['ghcr.io/o/web=ghcr.io/o/web-eu:2.0', 'envoyproxy/envoy:v1.31'],
        replicas: [{ name: 'web', count: '3' }],
        commonLabels: { team: 'shop' },
      },
    });
    expect(m?.metadata).toMatchObject({ name: 'eu-web-v2', labels: { team: 'shop' } });
    const spec = m?.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
    expect(spec.replicas).toBe(3);
    expect(spec.template.spec.containers.map((c) => c.image)).toEqual([
      'ghcr.io/o/web-eu:2.0',
      'envoyproxy/envoy:v1.31',
    ]);
  });
});
