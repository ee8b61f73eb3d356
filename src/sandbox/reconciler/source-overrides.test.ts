/**
 * Argo CD's .argocd-source files, merged as its repo-server merges them: RFC 7386 merge patches
 * (the cases below are the RFC's Appendix A examples), the shared file before the app's own, and
 * only config management settings changed.
 */
import { describe, expect, it } from 'vitest';
import { mergePatch, parameterValues, withSourceOverrides } from './source-overrides.ts';

describe('JSON merge patch (RFC 7386, Appendix A)', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j', (target, patch, result) => {
    expect(mergePatch(target, patch)).toEqual(result);
  });
});

describe('.argocd-source files', () => {
  const source = {
    repoURL: 'https://git/x',
    path: 'apps/web',
    targetRevision: 'HEAD',
    kustomize: { namePrefix: 'p-' },
  };
  it('merge the shared file, then the app file, keeping where the source is', () => {
    const files = new Map([
      ['apps/web/.argocd-source.yaml', 'kustomize:\n  images: [ghcr.io/team/web:1.0.0]\npath: elsewhere\n'],
      ['apps/web/.argocd-source-web.yaml', 'kustomize:\n  images: [ghcr.io/team/web:1.1.0]\n'],
    ]);
    expect(withSourceOverrides(source, { name: 'web', namespace: 'argocd' }, files)).toEqual({
      ...source,
      chart: undefined,
      kustomize: { namePrefix: 'p-', images: ['ghcr.io/team/web:1.1.0'] },
    });
  });
  it('name the app file <namespace>_<app> for an app outside the control plane namespace', () => {
    const files = new Map([
      ['apps/web/.argocd-source-team-a_web.yaml', 'kustomize:\n  images: [ghcr.io/team/web:2.0.0]\n'],
    ]);
    expect(withSourceOverrides(source, { name: 'web', namespace: 'team-a' }, files).kustomize.images).toEqual(
      ['ghcr.io/team/web:2.0.0'],
    );
    expect(withSourceOverrides(source, { name: 'web', namespace: 'argocd' }, files)).toBe(source);
  });
  it('turn Helm parameters into values, typed as --set types them', () => {
    expect(
      parameterValues([
        { name: 'image.tag', value: '1.2.3' },
        { name: 'replicaCount', value: '2' },
        { name: 'build', value: '42', forceString: true },
      ]),
    ).toEqual({ image: { tag: '1.2.3' }, replicaCount: 2, build: '42' });
  });
});
