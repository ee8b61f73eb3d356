import { describe, expect, it } from 'vitest';
import { normalizeImage, SimulationSchema, simulationView } from './simulation.ts';

describe('normalizeImage', () => {
  it('completes Docker Hub names and the default tag as a pull would', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('nginx:1.27')).toBe('docker.io/library/nginx:1.27');
    expect(normalizeImage('grafana/grafana:12.1.1')).toBe('docker.io/grafana/grafana:12.1.1');
    expect(normalizeImage('ghcr.io/sijunkim/app')).toBe('ghcr.io/sijunkim/app:latest');
    expect(normalizeImage('localhost:5000/app:1')).toBe('localhost:5000/app:1');
    expect(normalizeImage('quay.io/p/x@sha256:abc')).toBe('quay.io/p/x@sha256:abc');
  });

  it('leaves the tag of a glob open', () => {
    expect(normalizeImage('ghcr.io/o/app*', { glob: true })).toBe('ghcr.io/o/app*');
    expect(normalizeImage('ghcr.io/o/app', { glob: true })).toBe('ghcr.io/o/app:latest');
  });
});

describe('simulation view', () => {
  const view = simulationView({
    missingImages: ['ghcr.io/sijunkim/flash-api:v*', 'nginx:9.9'],
    defaults: { startupSeconds: 3 },
    workloads: {
      'naver-news/naver-news': { memory: '700Mi', startupSeconds: 20, oomLog: 'GC(9) Pause Full 383M->380M' },
    },
    secrets: { 'flash-staging/flash-pay-secrets': ['pg-secret-key'] },
  });

  it('fails pulls of the listed references, by glob and by short name', () => {
    expect(view.imageExists('ghcr.io/sijunkim/flash-api:v1.15.0')).toBe(false);
    expect(view.imageExists('ghcr.io/sijunkim/flash-api:1.15.0')).toBe(true);
    expect(view.imageExists('docker.io/library/nginx:9.9')).toBe(false);
    expect(view.imageExists('nginx:1.27')).toBe(true);
  });

  it('reads memory as Kubernetes quantities and start-up time with a default', () => {
    expect(view.memoryNeeded('naver-news', 'naver-news')).toBe(700 * 1024 ** 2);
    expect(view.memoryNeeded('naver-news', 'other')).toBeUndefined();
    expect(view.startupMs('naver-news', 'naver-news')).toBe(20_000);
    expect(view.startupMs('flash-dev', 'flash-api')).toBe(3_000);
  });

  it('knows the keys of listed Secrets and assumes the others complete', () => {
    expect(view.secretKeyExists('flash-staging', 'flash-pay-secrets', 'pg-secret-key')).toBe(true);
    expect(view.secretKeyExists('flash-staging', 'flash-pay-secrets', 'toss-secret-key')).toBe(false);
    expect(view.secretKeyExists('flash-prod', 'flash-pay-secrets', 'toss-secret-key')).toBe(true);
  });

  it('prints the scenario logs, or plain start-up lines', () => {
    expect(view.oomLog('naver-news', 'naver-news', 'naver-news')).toBe('GC(9) Pause Full 383M->380M');
    expect(view.startupLog('flash-dev', 'flash-api', 'api')).toContain('starting flash-api');
    expect(view.oomLog('flash-dev', 'flash-api', 'api')).toContain('starting flash-api');
  });

  it('rejects malformed keys and quantities', () => {
    expect(SimulationSchema.safeParse({ workloads: { 'no-namespace': {} } }).success).toBe(false);
    expect(SimulationSchema.safeParse({ workloads: { 'a/b': { memory: 'lots' } } }).success).toBe(false);
    expect(SimulationSchema.safeParse({ secrets: { 'a/b': 'key' } }).success).toBe(false);
    expect(SimulationSchema.safeParse({ unknownKnob: 1 }).success).toBe(false);
    expect(SimulationSchema.parse({})).toEqual({
      missingImages: [],
      defaults: { startupSeconds: 5 },
      workloads: {},
      secrets: {},
    });
  });
});
