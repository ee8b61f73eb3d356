/**
 * docs/scenario.schema.json is what editors check scenario files with: it must be current, accept
 * what the sandbox accepts (the demo, the examples in docs/scenarios.md) and reject what it rejects.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../src/sandbox/scenario.ts';
import { SimulationSchema } from '../src/sandbox/simulation.ts';
import { renderScenarioSchema, SCHEMA_FILE } from '../scripts/scenario-schema.ts';

const root = join(import.meta.dirname, '..');
const committed = readFileSync(SCHEMA_FILE, 'utf8');

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(committed));
}

/** The YAML examples of docs/scenarios.md. */
const docExamples = (): string[] =>
  [...readFileSync(join(root, 'docs', 'scenarios.md'), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );

const header = { apiVersion: 'deckhand.dev/v1alpha1', kind: 'Scenario', metadata: { name: 'example' } };

describe('docs/scenario.schema.json', () => {
  it('is what scripts/scenario-schema.ts generates (run it after changing the scenario schemas)', async () => {
    expect(committed).toBe(await renderScenarioSchema());
  });

  it('accepts the demo scenario, which the sandbox parses', () => {
    const text = readFileSync(join(root, 'config', 'scenarios', 'demo.yaml'), 'utf8');
    expect(() => parseScenario(text, join(root, 'config', 'scenarios', 'demo.yaml'))).not.toThrow();
    const validate = validator();
    expect(validate(parse(text)), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  });

  it('rejects what the sandbox rejects, simulation knobs included', () => {
    const validate = validator();
    const bad: unknown[] = [
      { ...header, apiVersion: 'v2' },
      { ...header, metadata: {} },
      { ...header, surprise: true },
      { ...header, clusters: [{ name: 'c', server: 's', logs: { 'no-slashes': 'x' } }] },
      { ...header, simulation: { workloads: { 'missing-namespace': { memory: '1Gi' } } } },
      { ...header, simulation: { workloads: { 'ns/app': { memory: 'a lot' } } } },
      { ...header, simulation: { secrets: { 'ns/s': 'key' } } },
      { ...header, argocd: [{ name: 'x', faults: { errorRate: 2 } }] },
    ];
    for (const doc of bad) expect(validate(doc), JSON.stringify(doc)).toBe(false);
    expect(validate(header)).toBe(true);
  });

  it('accepts every example in docs/scenarios.md, and so does the sandbox', () => {
    const validate = validator();
    const examples = docExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    let full = 0;
    for (const text of examples) {
      const doc = parse(text) as Record<string, unknown> | null;
      if (!doc) continue; // a comment-only snippet
      const scenario = 'apiVersion' in doc ? doc : { ...header, ...doc };
      if ('apiVersion' in doc) full += 1;
      expect(
        validate(scenario),
        `${text.slice(0, 80)}… ${JSON.stringify(validate.errors?.slice(0, 2))}`,
      ).toBe(true);
      const parsed = parseScenario(JSON.stringify(scenario));
      expect(() => SimulationSchema.parse(parsed.simulation)).not.toThrow();
    }
    expect(full).toBeGreaterThanOrEqual(1);
  });
});
