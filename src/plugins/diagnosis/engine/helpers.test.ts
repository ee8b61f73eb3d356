import { describe, expect, it } from 'vitest';
import { age, eventLine, logLines, terminatedLine } from './evidence.ts';
import { event, ago, NOW } from './fixtures/k8s.ts';
import { formatMemory, parseCpu, parseMemory, raisedLimit, Gi, Mi } from './quantity.ts';
import { missingThing } from './rules/config-error.ts';
import { parseFitError } from './rules/scheduling.ts';

describe('quantities', () => {
  it('parses memory in every unit Kubernetes writes', () => {
    expect(parseMemory('512Mi')).toBe(512 * Mi);
    expect(parseMemory('1Gi')).toBe(Gi);
    expect(parseMemory('536870912')).toBe(512 * Mi);
    expect(parseMemory('500M')).toBe(500e6);
    expect(parseMemory('1.5Gi')).toBe(1.5 * Gi);
    expect(parseMemory('91424Ki')).toBe(91424 * 1024);
    expect(parseMemory('lots')).toBeUndefined();
    expect(parseCpu('250m')).toBe(250);
    expect(parseCpu('2')).toBe(2000);
  });

  it('raises a limit to a round number, capped', () => {
    expect(formatMemory(raisedLimit(512 * Mi, 8 * Gi) ?? 0)).toBe('1Gi');
    expect(formatMemory(raisedLimit(300 * Mi, 8 * Gi) ?? 0)).toBe('640Mi');
    expect(formatMemory(raisedLimit(1.5 * Gi, 8 * Gi) ?? 0)).toBe('3Gi');
    expect(formatMemory(raisedLimit(6 * Gi, 8 * Gi) ?? 0)).toBe('8Gi');
    expect(raisedLimit(8 * Gi, 8 * Gi)).toBeUndefined();
  });
});

describe('evidence', () => {
  it('prints events as kubectl does: count over age, or age when seen once', () => {
    const repeated = event({
      object: { kind: 'Pod', name: 'p' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container app in pod p',
      count: 14,
      first: '20m',
    });
    expect(eventLine(repeated, NOW)).toBe('Back-off restarting failed container app in pod p (x14 over 20m)');
    const once = event({
      object: { kind: 'Pod', name: 'p' },
      reason: 'Killing',
      message: 'Stopping container app',
      last: '3h',
    });
    expect(eventLine(once, NOW)).toBe('Stopping container app (3h ago)');
    expect(age(45_000)).toBe('45s');
    expect(age(3 * 86400_000)).toBe('3d');
  });

  it('quotes the terminated state with its reason, exit code and time', () => {
    const line = terminatedLine(
      'lastState',
      { reason: 'Error', exitCode: 1, finishedAt: ago('5m'), message: 'boom' },
      NOW,
    );
    expect(line).toBe(
      'lastState.terminated: Error, exit code 1, finished 5m ago (2026-05-04T09:25:00.000Z): boom',
    );
  });

  it('keeps the last telling log lines, not stack frames or colour codes', () => {
    const log = [
      'INFO started',
      '\u001b[31mERROR\u001b[0m request failed',
      'Exception in thread "main" java.lang.IllegalStateException: no config',
      '\tat com.example.Main.main(Main.java:12)',
      '    at Object.<anonymous> (/app/index.js:3:9)',
      'INFO shutting down',
    ].join('\n');
    expect(logLines(log)).toEqual([
      'ERROR request failed',
      'Exception in thread "main" java.lang.IllegalStateException: no config',
    ]);
    expect(logLines('all quiet\nstill quiet')).toEqual(['all quiet', 'still quiet']);
  });
});

describe('parsers of kubelet and scheduler text', () => {
  it('reads the scheduler fit error, most nodes first, preemption tail ignored', () => {
    expect(
      parseFitError(
        '0/5 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 4 Insufficient memory. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod.',
      ),
    ).toEqual({
      nodes: 5,
      reasons: [
        { count: 4, reason: 'Insufficient memory' },
        { count: 1, reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }' },
      ],
    });
    expect(
      parseFitError('0/3 nodes are available: persistentvolumeclaim "data" not found.')?.reasons,
    ).toEqual([{ count: 3, reason: 'persistentvolumeclaim "data" not found' }]);
  });

  it('names the missing Secret, ConfigMap or key', () => {
    expect(missingThing('secret "db-creds" not found', 'prod')).toBe('Secret prod/db-creds does not exist');
    expect(missingThing('configmap "news-config" not found', 'prod')).toBe(
      'ConfigMap prod/news-config does not exist',
    );
    expect(missingThing("couldn't find key url in ConfigMap prod/news-config", 'prod')).toBe(
      'key url is missing in ConfigMap prod/news-config',
    );
    expect(
      missingThing('MountVolume.SetUp failed for volume "tls" : secret "news-tls" not found', 'prod'),
    ).toBe('Secret prod/news-tls does not exist');
    expect(missingThing('container name already in use', 'prod')).toBeUndefined();
  });
});
