import { describe, expect, it } from 'vitest';
import { resourcesIntent, revertIntent } from './commands/changes.ts';
import { describeIntent, type Intent } from './intents.ts';

describe('describeIntent says the values that are there, and only those', () => {
  it.each<[Intent, string]>([
    [{ kind: 'image', image: 'master-484af0a' }, 'bump image to master-484af0a'],
    [{ kind: 'image', image: 'ghcr.io/flash/api:1.8.1', container: 'api' }, 'bump api image to 1.8.1'],
    [{ kind: 'image', image: 'registry.local:5000/payments/api:1.5.0' }, 'bump image to 1.5.0'],
    [{ kind: 'image', image: `ghcr.io/acme/web@sha256:${'ab'.repeat(32)}` }, 'bump image to sha256:ababab…'],
    [
      { kind: 'image', image: `sha256:${'ab'.repeat(32)}`, container: undefined },
      'bump image to sha256:ababab…',
    ],
    [{ kind: 'replicas', replicas: 1 }, 'scale to 1 replica'],
    [{ kind: 'replicas', replicas: 0 }, 'scale to 0 replicas'],
    [{ kind: 'replicas', replicas: Number.NaN }, 'change the replica count'],
    [{ kind: 'resources', limits: { memory: '768Mi', cpu: undefined } }, 'set memory limit 768Mi'],
    [{ kind: 'resources', limits: { memory: undefined, cpu: '500m' } }, 'set cpu limit 500m'],
    [{ kind: 'resources', requests: { memory: '256Mi' }, limits: undefined }, 'set memory request 256Mi'],
    [
      { kind: 'resources', container: 'api', limits: { memory: '1Gi', cpu: '1' }, requests: { cpu: '250m' } },
      'set memory limit 1Gi, cpu limit 1, cpu request 250m for api',
    ],
    [{ kind: 'resources', limits: { memory: '' } }, 'change resources'],
    [{ kind: 'restart', at: '2026-08-24T10:00:00Z' }, 'restart'],
    [{ kind: 'revert', pullRequest: 42 }, 'revert #42'],
    [{ kind: 'revert', commit: '1a2b3c4d5e6f' }, 'revert 1a2b3c4'],
    [{ kind: 'revert', toRevision: 'abcdef0123456789' }, 'roll back to abcdef0'],
    [{ kind: 'revert', pullRequest: undefined, commit: undefined }, 'revert the last change'],
  ])('%j → %s', (intent, phrase) => {
    const said = describeIntent(intent);
    if (phrase.endsWith('…')) expect(said.startsWith(phrase.slice(0, -1))).toBe(true);
    else expect(said).toBe(phrase);
  });
});

describe('the commands build intents from what was given', () => {
  it('gitops resources: only the settings given, as limits or requests', () => {
    expect(resourcesIntent({ settings: { memory: '768Mi' } })).toEqual({
      kind: 'resources',
      limits: { memory: '768Mi' },
    });
    expect(resourcesIntent({ settings: { cpu: '2' }, requests: true, container: 'api' })).toEqual({
      kind: 'resources',
      container: 'api',
      requests: { cpu: '2' },
    });
    expect(() => resourcesIntent({ settings: {} })).toThrow('Give memory=… and/or cpu=….');
  });

  it('gitops revert: a pull request, a commit, or the last change', () => {
    expect(revertIntent('#12')).toEqual({ kind: 'revert', pullRequest: 12 });
    expect(revertIntent('1a2b3c4')).toEqual({ kind: 'revert', commit: '1a2b3c4' });
    expect(revertIntent(undefined)).toEqual({ kind: 'revert' });
  });
});
