/**
 * The policy a bump without a tag follows: an app's Image Updater annotations (the image-list
 * constraint, `<alias>.update-strategy`, `allow-tags`, `ignore-tags`, as its docs/configuration
 * pages write them) win over the configured policies, and an unknown strategy is refused.
 */
import { describe, expect, it } from 'vitest';
import { readApplication, type ResolvedApp } from '../../argocd/index.ts';
import type { NextImage, RegistryService, TagPolicy } from '../../registry/api.ts';
import { nextImageIntent } from './next-image.ts';

const IU = 'argocd-image-updater.argoproj.io';

function app(annotations: Record<string, string>): ResolvedApp {
  const application = {
    metadata: { name: 'web', namespace: 'argocd', annotations },
    spec: { project: 'default', destination: {}, source: { repoURL: 'https://git/x', path: 'web' } },
    status: {},
  };
  const target = {
    kind: 'Deployment',
    spec: { template: { spec: { containers: [{ name: 'web', image: 'ghcr.io/team/web:1.4.0' }] } } },
  };
  return {
    ref: 'web',
    app: application,
    view: readApplication(application),
    locator: { name: 'web' },
    client: {
      managedResources: async () => [
        { kind: 'Deployment', name: 'web', targetState: JSON.stringify(target) },
      ],
    },
  } as unknown as ResolvedApp;
}

/** A registry that records the policy it was asked with and offers 1.4.1. */
function registry(configured?: TagPolicy) {
  const asked: TagPolicy[] = [];
  const service = {
    policyFor: () => configured,
    next: async (_image: string, policy: TagPolicy): Promise<NextImage> => {
      asked.push(policy);
      return { repo: 'ghcr.io/team/web', current: '1.4.0', tag: '1.4.1', policy, skipped: [], total: 2 };
    },
  } as unknown as RegistryService;
  return { service, asked };
}

describe('the policy of a bump without a tag', () => {
  it("follows the app's Image Updater annotations over the configured policy", async () => {
    const r = app({
      [`${IU}/image-list`]: 'web=ghcr.io/team/web:~1.4',
      [`${IU}/web.update-strategy`]: 'semver',
      [`${IU}/web.allow-tags`]: 'regexp:^1\\.',
      [`${IU}/web.ignore-tags`]: '1.4.9, *-debug',
    });
    const reg = registry({ strategy: 'alphabetical' });
    const out = await nextImageIntent(r, reg.service, {});
    expect(reg.asked).toEqual([
      { strategy: 'semver', constraint: '~1.4', allowTags: 'regexp:^1\\.', ignoreTags: ['1.4.9', '*-debug'] },
    ]);
    expect(out).toMatchObject({
      intent: { kind: 'image', image: 'ghcr.io/team/web:1.4.1', container: 'web' },
    });
  });

  it('reads the deprecated strategy names, and refuses one it does not know', async () => {
    const reg = registry();
    await nextImageIntent(
      app({ [`${IU}/image-list`]: 'web=ghcr.io/team/web', [`${IU}/web.update-strategy`]: 'latest' }),
      reg.service,
      {},
    );
    expect(reg.asked[0]).toEqual({ strategy: 'newest-build' });
    await expect(
      nextImageIntent(
        app({ [`${IU}/image-list`]: 'web=ghcr.io/team/web', [`${IU}/web.update-strategy`]: 'newest' }),
        reg.service,
        {},
      ),
    ).rejects.toThrow("web's Image Updater annotation names an unknown update strategy: newest.");
  });

  it('reads app-wide Image Updater settings for an image without an alias', async () => {
    const reg = registry({ strategy: 'semver' });
    await nextImageIntent(
      app({
        [`${IU}/image-list`]: 'ghcr.io/team/web',
        [`${IU}/update-strategy`]: 'newest-build',
        [`${IU}/allow-tags`]: 'regexp:^main-',
      }),
      reg.service,
      {},
    );
    expect(reg.asked[0]).toEqual({ strategy: 'newest-build', allowTags: 'regexp:^main-' });
  });

  it('uses the configured policy for an app Image Updater does not manage, semver otherwise', async () => {
    const configured = registry({ strategy: 'semver', constraint: '^1.0' });
    await nextImageIntent(app({}), configured.service, {});
    expect(configured.asked[0]).toEqual({ strategy: 'semver', constraint: '^1.0' });
    const plain = registry();
    await nextImageIntent(app({}), plain.service, {});
    expect(plain.asked[0]).toEqual({ strategy: 'semver' });
  });
});
