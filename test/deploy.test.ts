/**
 * What a platform team installs: the rendered deploy/ manifests keep deckhand read-only on the
 * cluster (no write verbs, no Secrets; a Lease in its own namespace is the one exception), the Argo
 * CD Application points at deploy/, and the Dockerfile builds a non-root image with a health check.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema } from '../src/app.ts';
import { parseConfig } from '../src/core/config/load.ts';

const root = resolve(import.meta.dirname, '..');
const run = promisify(execFile);

const kubectl = ['/usr/bin/kubectl', '/usr/local/bin/kubectl'].find((p) => existsSync(p));
// On CI (.ci/run installs it) a missing kubectl fails the run instead of skipping its tests.
if (!kubectl && process.env.CI) throw new Error('kubectl is needed on CI');

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
type Doc = {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  spec?: Record<string, unknown>;
};

async function rendered(dir = 'deploy/base'): Promise<Doc[]> {
  if (kubectl) {
    const { stdout } = await run(kubectl, ['kustomize', join(root, dir)]);
    return parseAllDocuments(stdout).map((d) => d.toJS() as Doc);
  }
  // Without kubectl, read the files the kustomization lists (no transformers needed for these checks).
  const k = parse(readFileSync(join(root, 'deploy/base/kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  return k.resources.flatMap((f) =>
    parseAllDocuments(readFileSync(join(root, 'deploy/base', f), 'utf8')).map((d) => d.toJS() as Doc),
  );
}

describe('deploy/', () => {
  it('renders with kustomize into the expected objects', async () => {
    const kinds = (await rendered()).map((d) => `${d.kind}/${d.metadata.name}`).sort();
    expect(kinds).toEqual(
      expect.arrayContaining([
        'ClusterRole/deckhand-read',
        'ClusterRoleBinding/deckhand-read',
        'ConfigMap/deckhand-config',
        'Deployment/deckhand',
        'Namespace/deckhand',
        'PersistentVolumeClaim/deckhand-data',
        'Role/deckhand-leader-election',
        'RoleBinding/deckhand-leader-election',
        'Service/deckhand',
        'ServiceAccount/deckhand',
      ]),
    );
  });

  it('grants no write verb and no access to Secrets, except the Lease in its own namespace', async () => {
    const docs = await rendered();
    const roles = docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');
    for (const role of roles) {
      for (const rule of role.rules ?? []) {
        expect(rule.resources).not.toContain('secrets');
        expect(rule.resources).not.toContain('*');
        expect(rule.apiGroups).not.toContain('*');
        const leases =
          rule.resources.every((r) => r === 'leases') && rule.apiGroups.includes('coordination.k8s.io');
        if (leases) {
          expect(role.kind).toBe('Role');
          expect(role.metadata.namespace).toBe('deckhand');
          expect(rule.verbs.sort()).toEqual(['create', 'get', 'update']);
        } else {
          expect(
            rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v)),
            `${role.metadata.name}: ${rule.resources}`,
          ).toEqual([]);
        }
      }
    }
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
  });

  it('runs the container non-root on a read-only root filesystem with probes on /healthz and /readyz', async () => {
    type Container = {
      securityContext: unknown;
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
    };
    type PodSpec = { securityContext: { runAsNonRoot: boolean }; containers: Container[] };
    const dep = (await rendered()).find((d) => d.kind === 'Deployment') as unknown as {
      spec: { template: { spec: PodSpec } };
    };
    const pod = dep.spec.template.spec;
    const c = pod.containers[0] as Container;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('ships a configuration that deckhand config check accepts', () => {
    const cm = parse(readFileSync(join(root, 'deploy/base/configmap.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      ARGOCD_TOKEN: 'argo',
      GITHUB_TOKEN: 'ghp',
    };
    expect(() => parseConfig(cm.data['deckhand.yaml'], configSchema(), { env })).not.toThrow();
  });

  describe('overlays/ha', () => {
    type Volume = { name: string; emptyDir?: unknown; persistentVolumeClaim?: unknown; secret?: unknown };
    type HaDeployment = {
      spec: {
        replicas: number;
        strategy: { type: string };
        template: { spec: { volumes: Volume[]; containers: { volumeMounts: { mountPath: string }[] }[] } };
      };
    };
    const env = {
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      ARGOCD_TOKEN: 'argo',
      GITHUB_TOKEN: 'ghp',
    };
    // Without kubectl, the overlay's own patch files are what is checked.
    const haFile = (f: string) => parse(readFileSync(join(root, 'deploy/overlays/ha', f), 'utf8')) as unknown;

    it.skipIf(!kubectl)('renders two replicas on RollingUpdate, without the volume claim', async () => {
      const docs = await rendered('deploy/overlays/ha');
      expect(docs.some((d) => d.kind === 'PersistentVolumeClaim')).toBe(false);
      expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
      const dep = docs.find((d) => d.kind === 'Deployment') as unknown as HaDeployment;
      expect(dep.spec.replicas).toBe(2);
      expect(dep.spec.strategy.type).toBe('RollingUpdate');
      const volumes = dep.spec.template.spec.volumes;
      expect(volumes.find((v) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
      expect(volumes.some((v) => v.persistentVolumeClaim)).toBe(false);
      expect(volumes.find((v) => v.name === 'postgres-url')?.secret).toMatchObject({
        secretName: 'deckhand-postgres',
      });
      const mounts = dep.spec.template.spec.containers[0]?.volumeMounts.map((m) => m.mountPath);
      expect(mounts).toContain('/var/run/secrets/deckhand');
      const roles = docs.filter((d) => d.kind === 'ClusterRole' || d.kind === 'Role');
      expect(roles.flatMap((r) => r.rules ?? []).some((r) => r.resources.includes('secrets'))).toBe(false);
    });

    it('patches two replicas and RollingUpdate, and deletes the volume claim', () => {
      const dep = haFile('deployment-patch.yaml') as HaDeployment;
      expect(dep.spec.replicas).toBe(2);
      expect(dep.spec.strategy.type).toBe('RollingUpdate');
      const k = haFile('kustomization.yaml') as { resources: string[]; patches: { patch?: string }[] };
      expect(k.resources).toEqual(['../../base']);
      expect(
        k.patches.some((p) => /\$patch: delete[\s\S]*kind: PersistentVolumeClaim/.test(p.patch ?? '')),
      ).toBe(true);
    });

    it('ships a configuration with leader election and the Postgres store that the schema accepts', async () => {
      const cms = kubectl
        ? (await rendered('deploy/overlays/ha')).filter((d) => d.kind === 'ConfigMap')
        : [haFile('configmap-patch.yaml')];
      expect(cms).toHaveLength(1);
      const text = (cms[0] as { data: Record<string, string> }).data['deckhand.yaml'];
      // The URL file is a mounted Secret in the cluster; here it only has to name one.
      const { config } = parseConfig(text, configSchema(), { env });
      expect(config.leaderElection).toMatchObject({ enabled: true, inCluster: true });
      expect(config.store.postgres).toEqual({
        urlFile: '/var/run/secrets/deckhand/postgres-url',
        maxConnections: 4,
      });
      expect(config.dataDir).toBe('/var/lib/deckhand');
    });
  });

  it('has an Argo CD Application that deploys deploy/', () => {
    const app = parse(readFileSync(join(root, 'deploy/argocd-application.yaml'), 'utf8')) as {
      kind: string;
      spec: { source: { path: string } };
    };
    expect(app.kind).toBe('Application');
    expect(app.spec.source.path).toBe('deploy/base');
  });

  it('builds a multi-stage, non-root image with a health check and deckhand start as entrypoint', () => {
    const lines = readFileSync(join(root, 'Dockerfile'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const stages = lines.filter((l) => /^FROM /.test(l));
    expect(stages).toHaveLength(2);
    expect(stages.every((s) => /^FROM node:24-slim AS \w+$/.test(s))).toBe(true);
    expect(lines).toContain('USER node');
    expect(lines.some((l) => l.startsWith('HEALTHCHECK'))).toBe(true);
    expect(lines.some((l) => l.includes('npm ci --omit=dev'))).toBe(true);
    expect(lines).toContain('ENTRYPOINT ["node", "bin/deckhand.js"]');
    expect(lines).toContain('CMD ["start"]');
  });
});
