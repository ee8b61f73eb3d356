import { describe, expect, it } from 'vitest';
import { readApplication } from './app-view.ts';
import { GitLinks, parseRepoUrl } from './links.ts';

const IU = 'argocd-image-updater.argoproj.io';

describe('the one reading of an Application', () => {
  it('says which images Image Updater set on the Application and which come from Git', () => {
    const v = readApplication({
      metadata: {
        name: 'news',
        annotations: { [`${IU}/image-list`]: 'api=ghcr.io/o/api:~1.4, ghcr.io/o/worker' },
      },
      spec: {
        source: {
          repoURL: 'https://github.com/o/r',
          path: 'news',
          kustomize: { images: ['ghcr.io/o/api:1.4.7'] },
        },
      },
      status: { summary: { images: ['ghcr.io/o/api:1.4.7', 'ghcr.io/o/worker:2.0', 'nginx:1.27'] } },
    });
    expect(v.images).toEqual([
      {
        image: 'ghcr.io/o/api:1.4.7',
        origin: 'image-updater',
        detail: 'spec.source.kustomize.images',
        alias: 'api',
      },
      {
        image: 'ghcr.io/o/worker:2.0',
        origin: 'git',
        detail: 'watched by Image Updater, which has not overridden it yet',
      },
      { image: 'nginx:1.27', origin: 'git' },
    ]);
    expect(v.imageUpdater).toMatchObject({
      writeBack: 'argocd',
      images: [{ alias: 'api', constraint: '~1.4' }, {}],
    });
  });

  it('calls a Helm parameter override an override, and a git write-back Image Updater’s commit', () => {
    const helm = readApplication({
      spec: {
        source: {
          repoURL: 'https://c.example.com',
          chart: 'web',
          targetRevision: '1.0.0',
          helm: { parameters: [{ name: 'image.tag', value: '2.1' }] },
        },
      },
      status: { summary: { images: ['docker.io/o/web:2.1'] } },
    });
    expect(helm.images[0]).toMatchObject({ origin: 'override', detail: 'Helm parameter image.tag' });
    const git = readApplication({
      metadata: {
        annotations: {
          [`${IU}/image-list`]: 'ghcr.io/o/api',
          [`${IU}/write-back-method`]: 'git:secret:argocd/creds',
        },
      },
      spec: { source: { repoURL: 'https://github.com/o/r' } },
      status: { summary: { images: ['ghcr.io/o/api:3'] } },
    });
    expect(git.images[0]).toMatchObject({
      origin: 'image-updater',
      detail: expect.stringContaining('written to Git'),
    });
  });

  it('lets a Helm tag parameter claim an image only when it can tell which', () => {
    const app = (params: { name: string; value: string }[], images: string[]) =>
      readApplication({
        spec: { source: { repoURL: 'https://c.example.com', chart: 'web', helm: { parameters: params } } },
        status: { summary: { images } },
      }).images.map((i) => i.origin);
    // Two images share the tag: a lone `app.image.tag` says nothing about which one it sets.
    expect(
      app([{ name: 'app.image.tag', value: 'latest' }], ['ghcr.io/o/app:latest', 'redis:latest']),
    ).toEqual(['git', 'git']);
    // With its repository named, the group claims that image only.
    expect(
      app(
        [
          { name: 'app.image.repository', value: 'ghcr.io/o/app' },
          { name: 'app.image.tag', value: 'latest' },
        ],
        ['ghcr.io/o/app:latest', 'redis:latest'],
      ),
    ).toEqual(['override', 'git']);
  });

  it('tells a requested operation from a running one, even when the running one has no `operation`', () => {
    const running = readApplication({
      status: {
        operationState: {
          phase: 'Running',
          startedAt: '2026-11-30T10:00:00Z',
          retryCount: 2,
          message: 'Retrying attempt #2',
        },
      },
    });
    expect(running.operation).toMatchObject({ stage: 'running', retryCount: 2 });
    expect(running.operation?.initiatedBy).toBeUndefined();
    const requested = readApplication({
      operation: { sync: { revision: 'abc' }, initiatedBy: { username: 'alice' } },
      status: {
        operationState: {
          phase: 'Succeeded',
          finishedAt: '2026-11-30T09:00:00Z',
          operation: { initiatedBy: { automated: true } },
        },
      },
    });
    expect(requested.operation).toMatchObject({
      stage: 'requested',
      initiatedBy: 'alice',
      revisions: ['abc'],
    });
    expect(requested.lastOperation).toMatchObject({ stage: 'succeeded', initiatedBy: 'auto-sync' });
  });

  it('reads deletion, ApplicationSet ownership and each source of a multi-source app with its revision', () => {
    const v = readApplication({
      metadata: {
        name: 'm',
        deletionTimestamp: '2026-11-30T10:00:00Z',
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
        ownerReferences: [{ kind: 'ApplicationSet', name: 'all-apps' }],
      },
      spec: {
        sources: [
          {
            repoURL: 'https://charts.example.com',
            chart: 'web',
            targetRevision: '1.2.*',
            helm: { valueFiles: ['$values/web.yaml'] },
          },
          { repoURL: 'https://github.com/o/values', targetRevision: 'main', ref: 'values' },
          { repoURL: 'oci://ghcr.io/o/manifests', targetRevision: '1.0.0', path: '.' },
        ],
      },
      status: {
        sync: { status: 'Synced', revisions: ['1.2.3', 'a'.repeat(40), 'sha256:' + 'b'.repeat(64)] },
      },
    });
    expect(v.deleting).toEqual({ since: '2026-11-30T10:00:00Z', cascade: true });
    expect(v.ownedBy).toEqual({ kind: 'ApplicationSet', name: 'all-apps' });
    expect(v.sources.map((s) => [s.origin, s.refOnly, s.revision])).toEqual([
      ['helm', false, '1.2.3'],
      ['git', true, 'a'.repeat(40)],
      ['oci', false, 'sha256:' + 'b'.repeat(64)],
    ]);
    expect(v.sources[0]?.valueFiles).toEqual(['$values/web.yaml']);
  });

  it('reads Go zero values as not reconciled, and anything at all without throwing', () => {
    const v = readApplication({
      metadata: { name: 'n' },
      spec: {},
      status: { sync: { status: '' }, health: {} },
    });
    expect([v.reconciled, v.sync, v.health]).toEqual([false, 'NotReconciled', 'NotReconciled']);
    for (const junk of [null, 42, 'x', [], { spec: 'x', status: [] }, { metadata: { name: 7 } }])
      expect(() => readApplication(junk)).not.toThrow();
    expect(readApplication(null).unreadable).toContain('the application is not an object');
  });
});

describe('links into Git hosts', () => {
  const links = new GitLinks([
    { host: 'git.corp.example', kind: 'gitlab' },
    { host: 'gitea.lan:3000', kind: 'gitea' },
  ]);
  const sha = '0123456789abcdef0123456789abcdef01234567';

  it('survives a repository URL with a malformed escape', () => {
    expect(() => links.commit('https://github.com/o/r%zz', sha)).not.toThrow();
  });

  it('reads every repository URL form Argo CD accepts', () => {
    expect(parseRepoUrl('git@github.com:o/r.git')).toEqual({
      scheme: 'ssh',
      host: 'github.com',
      path: 'o/r',
    });
    expect(parseRepoUrl('ssh://git@git.corp.example:2222/g/sub/r.git')).toEqual({
      scheme: 'ssh',
      host: 'git.corp.example',
      port: '2222',
      path: 'g/sub/r',
    });
    expect(parseRepoUrl('http://10.42.0.1:30002/testdata.git')).toEqual({
      scheme: 'http',
      host: '10.42.0.1',
      port: '30002',
      path: 'testdata',
    });
    expect(parseRepoUrl('oci://ghcr.io/o/charts')).toBeUndefined();
  });

  it('links commits only for shas on known hosts, each in its own scheme', () => {
    expect(links.commit('https://github.com/o/r.git', sha)).toBe(`https://github.com/o/r/commit/${sha}`);
    expect(links.commit('git@git.corp.example:g/sub/r.git', sha)).toBe(
      `https://git.corp.example/g/sub/r/-/commit/${sha}`,
    );
    expect(links.commit('https://bitbucket.org/o/r', sha)).toBe(`https://bitbucket.org/o/r/commits/${sha}`);
    expect(links.commit('http://gitea.lan:3000/o/r', sha)).toBe(`http://gitea.lan:3000/o/r/commit/${sha}`);
    expect(links.commit('https://github.com/o/r', 'rev1')).toBeUndefined();
    expect(links.commit('https://github.com/o/r', '0.1.0')).toBeUndefined();
    expect(links.commit('https://unknown.example/o/r', sha)).toBeUndefined();
    expect(links.commit('http://10.42.0.1:30002/testdata.git', sha)).toBeUndefined();
  });

  it('links a path at a sha everywhere, and at a branch only where the scheme allows it', () => {
    expect(links.tree('https://github.com/o/r', 'HEAD', 'apps/web')).toBe(
      'https://github.com/o/r/tree/HEAD/apps/web',
    );
    expect(links.tree('https://git.corp.example/g/r', sha, 'apps')).toBe(
      `https://git.corp.example/g/r/-/tree/${sha}/apps`,
    );
    expect(links.tree('https://git.corp.example/g/r', 'HEAD', 'apps')).toBe('https://git.corp.example/g/r');
    expect(links.tree('http://gitea.lan:3000/o/r', 'main', 'x')).toBe(
      'http://gitea.lan:3000/o/r/src/branch/main/x',
    );
    expect(links.tree('https://charts.example.com', '1.0.0')).toBeUndefined();
  });
});
