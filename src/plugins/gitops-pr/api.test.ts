import { describe, expect, it } from 'vitest';
import { IntentSchema, RevertParamsSchema } from './api.ts';

describe('the intents gitops carries out, as a schema', () => {
  it('takes every kind of intent as the planner knows it', () => {
    for (const i of [
      { kind: 'image', image: 'ghcr.io/acme/web:1.4.2', container: 'web' },
      { kind: 'replicas', replicas: 3, path: 'Deployment/web' },
      { kind: 'resources', container: 'web', limits: { memory: '768Mi' } },
      { kind: 'restart', at: '2026-12-06T09:00:00Z' },
      { kind: 'revert', commit: '0e2be2f' },
      { kind: 'revert', pullRequest: 12 },
    ])
      expect(IntentSchema.parse(i)).toEqual(i);
  });

  it('refuses what a stored button of another shape would carry', () => {
    for (const i of [
      { kind: 'scale', replicas: 3 },
      { kind: 'replicas', replicas: 'three' },
      { kind: 'replicas', replicas: -1 },
      { kind: 'image' },
      'replicas',
      null,
    ])
      expect(IntentSchema.safeParse(i).success).toBe(false);
    expect(RevertParamsSchema.safeParse({ commit: 'abc' }).success).toBe(false);
  });
});
