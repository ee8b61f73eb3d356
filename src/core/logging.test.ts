import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.ts';
import { Redactor, collectSecrets } from './redact.ts';

function capture(redactor = new Redactor()) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: createLogger({ stream, redactor, level: 'debug' }), lines };
}

describe('log redaction', () => {
  it('masks secret-looking keys at any depth', () => {
    const { log, lines } = capture();
    log.info(
      {
        token: 'abc',
        request: { headers: { authorization: 'Bearer xyz', cookie: 'sid=1' }, url: '/api' },
        config: { password: 'p', signingSecret: 's', apiKey: 'k', name: 'ok' },
      },
      'call',
    );
    const rec = JSON.parse(lines[0] as string);
    expect(rec.token).toBe('[redacted]');
    expect(rec.request.headers).toEqual({ authorization: '[redacted]', cookie: '[redacted]' });
    expect(rec.config).toEqual({
      password: '[redacted]',
      signingSecret: '[redacted]',
      apiKey: '[redacted]',
      name: 'ok',
    });
    expect(rec.request.url).toBe('/api');
  });

  it('cuts configured secret values out of messages, strings and errors', () => {
    const r = new Redactor();
    r.addSecrets(collectSecrets({ plugins: { argocd: { instances: [{ token: 'argocd-token-123456' }] } } }));
    const { log, lines } = capture(r);
    log.warn({ url: 'https://x/?t=argocd-token-123456' }, 'failed with argocd-token-123456');
    log.error({ err: new Error('401 for argocd-token-123456') }, 'boom');
    const all = lines.join('');
    expect(all).not.toContain('argocd-token-123456');
    expect(JSON.parse(lines[0] as string).msg).toBe('failed with [redacted]');
    expect(JSON.parse(lines[1] as string).err.message).toBe('401 for [redacted]');
  });

  it('masks bearer tokens it was never told about', () => {
    const { log, lines } = capture();
    log.info('sent Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig');
    expect(lines[0]).toContain('Bearer [redacted]');
  });

  it('leaves short values alone so ordinary words are not masked', () => {
    const r = new Redactor();
    r.addSecrets(['abc']);
    expect(r.text('abc def')).toBe('abc def');
  });
});
