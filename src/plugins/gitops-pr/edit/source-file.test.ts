/**
 * An image set by an .argocd-source file (Image Updater's write-back git, or a hand-written
 * override) is changed in that file: Argo CD merges it over the source before rendering, so a
 * change to the kustomization would not take effect.
 */
import { describe, expect, it } from 'vitest';
import type { InputError } from '../../../core/errors.ts';
import { NoChangeError } from '../changes.ts';
import { createPlanner } from './index.ts';
import { app, applyPlan, changesOf, git, loadCorpus, memoryTree } from './testing.ts';

const homeLab = loadCorpus('home-lab.txtar');
const plan = createPlanner();
const naverNews = app('naver-news', git('k8s/apps/naver-news'));

// As Image Updater writes it (pkg/argocd/update.go marshals the kustomize images it sets).
const written = `kustomize:
  images:
  - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7
`;

describe('.argocd-source files', () => {
  it("bumps the image in the app's own file, not in the kustomization it overrides", async () => {
    const files = { ...homeLab, 'k8s/apps/naver-news/.argocd-source-naver-news.yaml': written };
    const p = await plan(naverNews, memoryTree(files), { kind: 'image', image: 'master-484af0a' });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source-naver-news.yaml']);
    expect(changesOf(p, 'k8s/apps/naver-news/.argocd-source-naver-news.yaml')).toEqual([
      '-3   - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7',
      '+3   - ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    ]);
    expect(p.summary).toEqual([
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml: kustomize.images[naver-news-spring] ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7 → ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    ]);
    await expect(
      plan(naverNews, memoryTree(applyPlan(files, p)), { kind: 'image', image: 'master-484af0a' }),
    ).rejects.toThrow(NoChangeError);
  });

  it('edits the app file when both set the image (it is merged last), and the shared file otherwise', async () => {
    const both = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source.yaml': written,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml': written,
    };
    const p = await plan(naverNews, memoryTree(both), { kind: 'image', image: 'master-484af0a' });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source-naver-news.yaml']);
    const shared = { ...homeLab, 'k8s/apps/naver-news/.argocd-source.yaml': written };
    const q = await plan(naverNews, memoryTree(shared), { kind: 'image', image: 'master-484af0a' });
    expect(q.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/.argocd-source.yaml']);
  });

  it('leaves the manifests in charge when the file sets other images, or another app’s file', async () => {
    const other = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml':
        'kustomize:\n  images:\n  - ghcr.io/other/sidecar:1.0\n',
      'k8s/apps/naver-news/.argocd-source-friend-app.yaml': written,
    };
    const p = await plan(naverNews, memoryTree(other), {
      kind: 'image',
      image: 'ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    });
    expect(p.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/kustomization.yaml']);
    // The app's own list replaces the shared one whole, so the shared file's entry is not in effect.
    const shadowed = { ...other, 'k8s/apps/naver-news/.argocd-source.yaml': written };
    const q = await plan(naverNews, memoryTree(shadowed), {
      kind: 'image',
      image: 'ghcr.io/sijunkim/naver-news-spring:master-484af0a',
    });
    expect(q.changes.map((c) => c.path)).toEqual(['k8s/apps/naver-news/kustomization.yaml']);
  });

  it('asks which image a bare tag is for when the file sets several', async () => {
    const two = {
      ...homeLab,
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml':
        'kustomize:\n  images:\n  - ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7\n  - ghcr.io/other/sidecar:1.0\n',
    };
    const err = await plan(naverNews, memoryTree(two), { kind: 'image', image: 'master-484af0a' }).catch(
      (e) => e,
    );
    expect(err.message).toBe(
      'k8s/apps/naver-news/.argocd-source-naver-news.yaml overrides the images of naver-news (ghcr.io/sijunkim/naver-news-spring:master-9b1d4a7, ghcr.io/other/sidecar:1.0); say which one the tag is for.',
    );
  });
});

describe('.argocd-source files of a Helm app', () => {
  const grafana = app(
    'grafana',
    git('monitoring/grafana', { helm: { releaseName: 'grafana', valueFiles: ['values.yaml'] } }),
  );
  const FILE = 'monitoring/grafana/.argocd-source-grafana.yaml';
  // As Image Updater writes it for a Helm app (SetHelmImage: name and tag, forcestring), with the
  // chart's own key names given by the <alias>.helm.image-name/-tag annotations.
  const params = `helm:
  parameters:
  - name: image.repository
    value: docker.io/grafana/grafana
    forcestring: true
  - name: image.tag
    value: 12.1.1
    forcestring: true
`;

  it('bumps the tag parameter the file sets, not values.yaml, which it overrides', async () => {
    const files = { ...homeLab, [FILE]: params };
    const p = await plan(grafana, memoryTree(files), { kind: 'image', image: '12.2.0' });
    expect(p.changes.map((c) => c.path)).toEqual([FILE]);
    expect(changesOf(p, FILE)).toEqual(['-7     value: 12.1.1', '+7     value: 12.2.0']);
    expect(p.summary).toEqual([`${FILE}: helm.parameters[image.tag] 12.1.1 → 12.2.0`]);
    await expect(
      plan(grafana, memoryTree(applyPlan(files, p)), { kind: 'image', image: '12.2.0' }),
    ).rejects.toThrow(NoChangeError);
    // Named in full, the repository must be the one the parameters set.
    const named = await plan(grafana, memoryTree(files), {
      kind: 'image',
      image: 'docker.io/grafana/grafana:12.2.0',
    });
    expect(named.summary).toEqual(p.summary);
    expect(
      (
        await plan(grafana, memoryTree(files), { kind: 'image', image: 'ghcr.io/other/grafana:12.2.0' })
      ).changes.map((c) => c.path),
    ).toEqual(['monitoring/grafana/values.yaml']);
  });

  it('replaces a whole reference set by an image-spec parameter', async () => {
    const spec =
      'helm:\n  parameters:\n  - name: grafana.imageSpec\n    value: docker.io/grafana/grafana:12.1.1\n    forcestring: true\n';
    const p = await plan(grafana, memoryTree({ ...homeLab, [FILE]: spec }), {
      kind: 'image',
      image: '12.2.0',
    });
    expect(p.summary).toEqual([
      `${FILE}: helm.parameters[grafana.imageSpec] docker.io/grafana/grafana:12.1.1 → docker.io/grafana/grafana:12.2.0`,
    ]);
  });

  it('leaves the image to values.yaml when the parameters the file sets are not the image', async () => {
    const other = 'helm:\n  parameters:\n  - name: replicas\n    value: "2"\n';
    const p = await plan(grafana, memoryTree({ ...homeLab, [FILE]: other }), {
      kind: 'image',
      image: '12.2.0',
    });
    expect(p.summary).toEqual(['monitoring/grafana/values.yaml: image.tag 12.1.1 → 12.2.0']);
  });

  it('asks which image when the parameters set several', async () => {
    const two = `${params}  - name: sidecar.image.repository
    value: docker.io/library/busybox
  - name: sidecar.image.tag
    value: "1.36"
`;
    await expect(
      plan(grafana, memoryTree({ ...homeLab, [FILE]: two }), { kind: 'image', image: '12.2.0' }),
    ).rejects.toThrow(
      /sets several images of grafana through Helm parameters \(image.tag, sidecar.image.tag\)/,
    );
    const p = await plan(grafana, memoryTree({ ...homeLab, [FILE]: two }), {
      kind: 'image',
      image: 'docker.io/library/busybox:1.37',
    });
    expect(p.summary).toEqual([`${FILE}: helm.parameters[sidecar.image.tag] 1.36 → 1.37`]);
    // Two groups of one repository: --path names the parameter, or its prefix.
    const same = `${params}  - name: canary.image.repository\n    value: docker.io/grafana/grafana\n  - name: canary.image.tag\n    value: 12.1.1\n`;
    const err = await plan(grafana, memoryTree({ ...homeLab, [FILE]: same }), {
      kind: 'image',
      image: 'docker.io/grafana/grafana:12.2.0',
    }).then(
      () => undefined,
      (e: InputError) => e,
    );
    expect(err?.message).toMatch(
      /several images of grafana through Helm parameters \(image.tag, canary.image.tag\)/,
    );
    expect(err?.hint).toMatch(/or the parameter: --path image.tag/);
    const q = await plan(grafana, memoryTree({ ...homeLab, [FILE]: same }), {
      kind: 'image',
      image: '12.2.0',
      path: 'canary.image',
    });
    expect(q.summary).toEqual([`${FILE}: helm.parameters[canary.image.tag] 12.1.1 → 12.2.0`]);
    await expect(
      plan(grafana, memoryTree({ ...homeLab, [FILE]: same }), {
        kind: 'image',
        image: '12.2.0',
        path: 'nope',
      }),
    ).rejects.toThrow(/--path nope names none of the Helm parameters/);
  });

  const one = (params: string) => ({ ...homeLab, [FILE]: `helm:\n  parameters:\n${params}` });
  const item = (name: string, value: string) => `  - name: ${name}\n    value: "${value}"\n`;
  const bump = (files: Record<string, string>, image: string) =>
    plan(grafana, memoryTree(files), { kind: 'image', image });

  it('joins a registry parameter to the repository, and reads a URL or a version as no image', async () => {
    const split = one(
      item('image.registry', 'docker.io') +
        item('image.repository', 'grafana/grafana') +
        item('image.tag', '12.1.1') +
        item('config.url', 'http://example.com:8080') +
        item('app.version', '3'),
    );
    expect((await bump(split, '12.2.0')).summary).toEqual([
      `${FILE}: helm.parameters[image.tag] 12.1.1 → 12.2.0`,
    ]);
    expect((await bump(split, 'docker.io/grafana/grafana:12.2.0')).summary).toEqual([
      `${FILE}: helm.parameters[image.tag] 12.1.1 → 12.2.0`,
    ]);
  });

  it('refuses a tag where a digest parameter pins the build, and parameters it cannot read as a tag', async () => {
    const pinned = one(
      item('image.repository', 'docker.io/grafana/grafana') +
        item('image.tag', '12.1.1') +
        item('image.digest', `sha256:${'b'.repeat(64)}`),
    );
    await expect(bump(pinned, '12.2.0')).rejects.toThrow(
      /pins grafana's image by a digest parameter \(image.digest\)/,
    );
    const own = one(item('image.repository', 'docker.io/grafana/grafana') + item('image.build', '12.1.1'));
    await expect(bump(own, 'docker.io/grafana/grafana:12.2.0')).rejects.toThrow(
      /through Helm parameters \(image.repository\) that deckhand cannot read as a tag/,
    );
  });

  it('takes a lone tag parameter for the whole reference too, and keeps a spec spelled as it was', async () => {
    const lone = one(item('image.tag', '12.1.1'));
    expect((await bump(lone, 'docker.io/grafana/grafana:12.2.0')).summary).toEqual([
      `${FILE}: helm.parameters[image.tag] 12.1.1 → 12.2.0`,
    ]);
    const short = one(item('image.spec', 'grafana/grafana:12.1.1'));
    expect((await bump(short, 'docker.io/grafana/grafana:12.2.0')).summary).toEqual([
      `${FILE}: helm.parameters[image.spec] grafana/grafana:12.1.1 → grafana/grafana:12.2.0`,
    ]);
  });

  it('leaves values.yaml in charge when the app file removes the list (null), and for a chart from a chart repository', async () => {
    const removed = {
      ...homeLab,
      'monitoring/grafana/.argocd-source.yaml': params,
      [FILE]: 'helm:\n  parameters: null\n',
    };
    expect((await bump(removed, '12.2.0')).summary).toEqual([
      'monitoring/grafana/values.yaml: image.tag 12.1.1 → 12.2.0',
    ]);
    const fromRepo = app('web', {
      sources: [
        {
          repoURL: 'https://charts.example.com',
          chart: 'web',
          targetRevision: '1.0.0',
          helm: { valueFiles: ['$values/envs/prod/web.yaml'] },
        },
        { repoURL: 'https://github.com/acme/infra', targetRevision: 'HEAD', ref: 'values' },
      ],
    });
    const files = {
      '.argocd-source.yaml': `helm:\n  parameters:\n${item('image.tag', '0.9')}`,
      'envs/prod/web.yaml': 'image:\n  repository: ghcr.io/acme/web\n  tag: "0.9"\n',
    };
    const p = await plan(fromRepo, memoryTree(files), { kind: 'image', image: '1.1' });
    expect(p.changes.map((c) => c.path)).toEqual(['envs/prod/web.yaml']);
  });
});
