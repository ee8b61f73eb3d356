import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { shiftLogTimes, World } from './world.ts';

describe('a world moved to now', () => {
  it('moves the timestamps in pod logs with the objects, each written as it was', () => {
    const scenario = parseScenario(`
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: { name: moved }
now: 2026-08-24T10:00:00Z
clusters:
  - name: in-cluster
    server: https://kubernetes.default.svc
    objects: []
    logs:
      'web/web-0/web': "2026-08-24T09:58:00Z started\\n2026-08-24T09:59:30.250Z ready (took 90.25s)\\n"
`);
    const now = Date.parse('2026-12-06T19:00:00Z');
    const world = new World(scenario, { now: () => now });
    expect(world.clusters[0]?.logs.get('web/web-0/web')).toBe(
      '2026-12-06T18:58:00Z started\n2026-12-06T18:59:30.250Z ready (took 90.25s)\n',
    );
  });

  it('keeps digits finer than a millisecond, and leaves other text alone', () => {
    expect(shiftLogTimes('ts=2026-01-01T00:00:00.123456789Z level=info', 1000)).toBe(
      'ts=2026-01-01T00:00:01.123456789Z level=info',
    );
    expect(shiftLogTimes('t=2026-01-01T00:00:00.5Z', -500)).toBe('t=2026-01-01T00:00:00.0Z');
    expect(shiftLogTimes('no time here', 1000)).toBe('no time here');
  });
});
