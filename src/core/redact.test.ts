import { describe, expect, it } from 'vitest';
import { esc } from './message/markup.ts';
import { Redactor, collectSecrets } from './redact.ts';

const GH = 'ghp_R8x2Kq7Lm3Np9Vt4Wz6Yb1Cd5Ef0Gh8Ja9Zk';
const ARGO = 'argocd_api_key_4f9c2e7a1b3d5f6e8a0c';

describe('Redactor: configured secrets', () => {
  const r = new Redactor();
  r.addSecrets(collectSecrets({ plugins: { argocd: { instances: [{ token: ARGO }] } } }));

  it('masks a configured value whatever characters it holds, keeping its last four', () => {
    expect(r.text(`pasted ${ARGO} here`)).toBe('pasted …8a0c here');
  });
  it('masks it when chat markup escaped it, and when a reply lower-cased it', () => {
    expect(r.text(`reason: ${esc(ARGO)}`)).not.toContain('4f9c2e7a1b3d5f6e');
    expect(r.text(`No command ${ARGO.toUpperCase()}`)).toBe('No command …8A0C');
  });
  it('leaves values shorter than six characters to the shapes (they would mask words)', () => {
    const short = new Redactor();
    short.addSecrets(['abc', undefined, '']);
    expect(short.text('abc abcdef')).toBe('abc abcdef');
  });
  it('masks strings under secret-looking keys in objects, and every string inside', () => {
    expect(r.object({ token: 'x', nested: [{ apiKey: 'y', note: `with ${ARGO}` }], n: 3 })).toEqual({
      token: '[redacted]',
      nested: [{ apiKey: '[redacted]', note: 'with …8a0c' }],
      n: 3,
    });
  });
});

describe('Redactor: well-known shapes, configured or not', () => {
  const r = new Redactor();
  it.each([
    ['a GitHub token', `token ${GH} leaked`, 'token ghp_…a9Zk leaked'],
    ['an escaped GitHub token', `token ${esc(GH)}`, 'token ghp_…a9Zk'],
    ['a lower-cased GitHub token', GH.toLowerCase(), 'ghp_…a9zk'],
    [
      'a fine-grained GitHub token',
      'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNO',
      'github_pat_…LMNO',
    ],
    ['a GitLab token', 'glpat-xY9_zW8-vU7tS6rQ5pO4', 'glpat-…5pO4'],
    ['a Slack bot token', 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp', 'xoxb-…MnOp'],
    ['a Slack app token', 'xapp-1-A0123456789-1234567890123-abcdef0123456789', 'xapp-…6789'],
    [
      'a Discord bot token',
      'MTE4NjQ3OTQ1Njc4OTAxMjM0NQ.GhXy7Z.aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789',
      '…6789',
    ],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl', 'eyJ…dXJl'],
    ['an AWS access key id', 'aws AKIAIOSFODNN7EXAMPLE', 'aws AKIA…MPLE'],
    [
      'an AWS secret in a pair',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'AWS_SECRET_ACCESS_KEY=[redacted]',
    ],
    [
      'an Authorization header',
      'Authorization: Bearer abcdefghijklmnop1234',
      'Authorization: Bearer [redacted]',
    ],
    ['a bearer credential', 'sent Bearer abcdefghijklmnop1234', 'sent Bearer [redacted]'],
    ['a Basic credential', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic [redacted]'],
    [
      'a password in a URL',
      'jdbc:postgresql://news:hunter2@db:5432/news',
      'jdbc:postgresql://news:[redacted]@db:5432/news',
    ],
    ['a password pair in a log', 'password=hunter2 user=news', 'password=[redacted] user=news'],
    [
      'a JSON pair',
      '{"db_password": "hunter2", "user": "news"}',
      '{"db_password": [redacted], "user": "news"}',
    ],
    ['an env listing', '      DB_PASSWORD:  s3cr3t-value', '      DB_PASSWORD:  [redacted]'],
    ['a YAML pair', 'apiKey: sk-live-123456', 'apiKey: [redacted]'],
    ['a token in a query', 'GET /hook?token=abc123def&x=1', 'GET /hook?token=[redacted]&x=1'],
    [
      'a PEM private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----\n[redacted]\n-----END RSA PRIVATE KEY-----',
    ],
  ])('%s', (_what, input, output) => {
    expect(r.text(input)).toBe(output);
  });

  it.each([
    'Back-off restarting failed container app in pod web-1_prod(uid); token bucket empty',
    'secretName: db-credentials',
    'passwordFile: /var/run/secrets/db/password',
    'Bearer tokens and basic authentication are configured per host',
    'image ghcr.io/acme/web@sha256:3f9c2e1a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e',
    'sync to 2a4ad00fd5b31bbfec1531b749a12b9053e20c83 failed: Deployment.apps "flash-gateway" is invalid',
    'https://github.com/sijunkim/infra/tree/2a4ad00/k8s/apps/naver-news',
    'git@github.com:acme/infra.git',
  ])('leaves ordinary text alone: %s', (line) => {
    expect(r.text(line)).toBe(line);
  });

  it('reads lines kept as an array as one text, so a key spread over lines is still masked', () => {
    const log = [
      'starting',
      '-----BEGIN PRIVATE KEY-----',
      'MIIEvQIBADANBgkq',
      '-----END PRIVATE KEY-----',
      'ready',
    ];
    expect(r.object({ lines: log })).toEqual({
      lines: ['starting', '-----BEGIN PRIVATE KEY-----', '[redacted]', '-----END PRIVATE KEY-----', 'ready'],
    });
  });

  it('says whether a text holds anything it would mask', () => {
    expect(r.finds(`image: ${GH}`)).toBe(true);
    expect(r.finds('image: ghcr.io/acme/web:1.2.3')).toBe(false);
  });
});
