import { describe, expect, it } from 'vitest';
import { Redactor } from '../../../core/redact.ts';
import { CredentialInChangeError, checkNoCredential } from './credentials.ts';

const redactor = new Redactor();
redactor.addSecrets(['argocd-account-token-0123456789']);
const change = (before: string, after: string | null) => ({
  changes: [{ path: 'apps/web/values.yaml', before, after }],
  summary: [],
});

describe('no credential goes to Git', () => {
  it.each([
    ['a configured secret', 'token: argocd-account-token-0123456789'],
    ['a GitHub token', 'githubToken: ghp_R8x2Kq7Lm3Np9Vt4Wz6Yb1Cd5Ef0Gh8Ja9Zk'],
    ['a private key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['an AWS key id', 'accessKeyId: AKIAIOSFODNN7EXAMPLE'],
  ])('refuses a change that adds %s', (_what, line) => {
    expect(() => checkNoCredential(change('replicas: 2\n', `replicas: 2\n${line}\n`), redactor)).toThrow(
      CredentialInChangeError,
    );
  });

  it('lets through what is only secret-looking by its key, and lines that were already there', () => {
    const values = 'auth:\n  existingSecret: db-credentials\n  password: ""\nimage:\n  tag: "1.2.3"\n';
    expect(() => checkNoCredential(change(values, values.replace('1.2.3', '1.2.4')), redactor)).not.toThrow();
    const old = 'legacy: ghp_R8x2Kq7Lm3Np9Vt4Wz6Yb1Cd5Ef0Gh8Ja9Zk\nreplicas: 2\n';
    expect(() =>
      checkNoCredential(change(old, old.replace('replicas: 2', 'replicas: 3')), redactor),
    ).not.toThrow();
    expect(() => checkNoCredential(change(old, null), redactor)).not.toThrow();
  });
});
