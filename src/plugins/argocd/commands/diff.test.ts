import { describe, expect, it } from 'vitest';
import { resourceDiff } from './diff.ts';

// A Secret as a server that did not mask it would send it (Argo CD masks with `+`; a proxy or an
// older server may not): live has the last-applied annotation, which holds the values too.
const secret = (data: Record<string, string>, annotations: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop', annotations },
    data,
  });

describe('argo diff of a Secret', () => {
  it('shows that a value changed, never the value, whatever the server sent', () => {
    const out = resourceDiff({
      kind: 'Secret',
      name: 'db',
      namespace: 'shop',
      modified: true,
      targetState: secret({ password: 'aHVudGVyMg==', user: 'YXBw' }),
      liveState: secret(
        { password: 'b2xkLXBhc3M=', user: 'YXBw' },
        { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"b2xkLXBhc3M="}}' },
      ),
    } as never);
    expect(out?.diff).toMatch(/^-\s+password: •+$/m);
    expect(out?.diff).toMatch(/^\+\s+password: •+$/m);
    for (const value of ['aHVudGVyMg==', 'b2xkLXBhc3M=', 'YXBw']) expect(out?.diff).not.toContain(value);
  });
});
