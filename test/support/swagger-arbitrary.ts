/**
 * fast-check arbitraries for Argo CD API objects, generated from the swagger definitions in
 * test/contracts/argocd-swagger.json: any optional field absent, null or at its Go zero value, and
 * the values that matter (status codes, phases, repository URL forms, revisions, times) drawn from
 * what Argo CD really sends plus a little junk.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
}

const swagger = JSON.parse(
  readFileSync(join(import.meta.dirname, '..', 'contracts', 'argocd-swagger.json'), 'utf8'),
) as { definitions: Record<string, Schema> };

const junk = fc.string({ maxLength: 6 });
const time = fc.oneof(
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2027-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z')),
  fc.constant(''),
  fc.constant('not a time'),
);
const sha = fc.stringMatching(/^[0-9a-f]{40}$/);

/** Values by property name, where the name says what Argo CD puts there. */
const BY_NAME: Record<string, fc.Arbitrary<unknown>> = {
  status: fc.constantFrom(
    'Synced',
    'OutOfSync',
    'Unknown',
    'Healthy',
    'Progressing',
    'Degraded',
    'Suspended',
    'Missing',
    '',
    'SyncFailed',
    'weird',
  ),
  phase: fc.constantFrom('Running', 'Terminating', 'Succeeded', 'Failed', 'Error', '', 'weird'),
  repoURL: fc.constantFrom(
    'https://github.com/o/r',
    'https://github.com/o/r.git',
    'git@github.com:o/r.git',
    'ssh://git@gitlab.example.com:2222/g/s/r.git',
    'http://10.42.0.1:30002/testdata.git',
    'oci://ghcr.io/o/charts',
    'https://charts.example.com',
    '',
    'not a url',
  ),
  revision: fc.oneof(sha, fc.constantFrom('HEAD', 'main', '1.2.3', 'sha256:' + 'a'.repeat(64), '')),
  targetRevision: fc.constantFrom('HEAD', 'main', '1.2.3', '>=1.0.0', ''),
  kind: fc.constantFrom('Deployment', 'Service', 'Pod', 'ReplicaSet', 'Application', 'Secret', '', 'Widget'),
  group: fc.constantFrom('', 'apps', 'argoproj.io', 'batch'),
  name: fc.oneof(fc.constantFrom('web', 'api', 'x', ''), junk),
  namespace: fc.constantFrom('argocd', 'web', '', 'team-a'),
  chart: fc.constantFrom('nginx', ''),
  ref: fc.constantFrom('values', ''),
  message: fc.oneof(fc.constantFrom('Retrying attempt #2', 'one or more objects failed to apply', ''), junk),
  images: fc.array(
    fc.constantFrom('nginx', 'ghcr.io/o/web:1.2', 'registry:5000/a/b@sha256:' + 'b'.repeat(64), ''),
    { maxLength: 3 },
  ),
};

function arb(s: Schema | undefined, name: string, depth: number): fc.Arbitrary<unknown> {
  if (!s) return fc.constant(undefined);
  if (s.$ref) {
    const def = swagger.definitions[s.$ref.replace('#/definitions/', '')];
    return depth > 6 ? fc.constantFrom({}, null) : arb(def, name, depth + 1);
  }
  const byName = BY_NAME[name];
  if (byName && s.type !== 'object')
    return fc.oneof({ weight: 6, arbitrary: byName }, { weight: 1, arbitrary: fc.constant(null) });
  if (s.format === 'date-time') return time;
  switch (s.type) {
    case 'string':
      return fc.oneof(fc.constant(''), junk);
    case 'integer':
    case 'number':
      return fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constant(0));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.oneof(fc.constant(null), fc.array(arb(s.items, name, depth + 1), { maxLength: 3 }));
    default: {
      if (s.properties) {
        const fields = Object.fromEntries(
          Object.entries(s.properties).map(([k, v]) => [
            k,
            fc.oneof(
              { weight: 8, arbitrary: arb(v, k, depth + 1) },
              { weight: 1, arbitrary: fc.constant(null) },
            ),
          ]),
        );
        return fc.oneof(
          { weight: 10, arbitrary: fc.record(fields, { requiredKeys: [] }) },
          { weight: 1, arbitrary: fc.constant({}) },
        );
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object')
        return fc.dictionary(
          fc.constantFrom('a', 'b', 'argocd-image-updater.argoproj.io/image-list'),
          arb(s.additionalProperties, name, depth + 1),
          { maxKeys: 2 },
        );
      return fc.constant({});
    }
  }
}

/** Any value of a swagger definition (`v1alpha1Application`, `v1alpha1ApplicationTree`, …). */
export const arbitraryOf = (definition: string): fc.Arbitrary<unknown> =>
  arb({ $ref: `#/definitions/${definition}` }, definition, 0);
