import { describe, expect, it } from 'vitest';
import { diagnose, summarize } from './diagnose.ts';
import { IMAGE } from './fixtures/world.ts';
import * as s from './fixtures/scenarios/containers.ts';
import * as cfg from './fixtures/scenarios/config.ts';
const deployment = { kind: 'Deployment', namespace: 'prod', name: 'naver-news' };

describe('containers', () => {
  it('names OOMKilled as the root cause of a crash loop and doubles the memory limit', () => {
    const d = diagnose(s.oomCrashLoop());
    expect(d).toMatchObject({ app: 'naver-news', sync: 'Synced', health: 'Degraded' });
    expect(d.rootCause).toMatchObject({
      category: 'OOMKilled',
      severity: 'critical',
      resource: { ...deployment, container: 'app' },
      fix: { intent: 'resources', params: { container: 'app', limits: { memory: '1Gi' } } },
    });
    expect(summarize(d)).toBe(
      'naver-news: OOMKilled — container app exceeded its 512Mi memory limit (restarted 14 times)',
    );
    expect(d.rootCause?.evidence).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^lastState\.terminated: OOMKilled, exit code 137, finished 2m ago/),
        expect.stringMatching(
          /^Back-off restarting failed container app in pod naver-news-7d9c8b6f5-x2x9k_prod\(.*\) \(x14 over 20m\)$/,
        ),
        'log: java.lang.OutOfMemoryError: Java heap space',
      ]),
    );
    // The crash loop stays, after its cause, as a consequence without a fix of its own.
    expect(d.findings.map((f) => f.category)).toEqual(['OOMKilled', 'CrashLoopBackOff']);
    expect(d.findings[1]?.summary).toMatch(/a consequence of OOMKilled$/);
    expect(d.findings[1]?.fix).toBeUndefined();
  });

  it('never quotes a password or connection credentials from the logs', () => {
    const text = JSON.stringify(diagnose(s.oomCrashLoop()));
    expect(text).not.toMatch(/hunter2|s3cr3tpass/);
    expect(text).toContain(
      'jdbc:postgresql://news:[redacted]@db:5432/news timed out, retrying with password=[redacted]',
    );
  });

  it('counts affected replicas once: one finding for 2 of 3 pods, from lastState while they run again', () => {
    const d = diagnose(s.oomTwoOfThree());
    expect(d.findings).toHaveLength(1);
    expect(d.rootCause?.summary).toBe(
      'container app exceeded its 1Gi memory limit (2 of 3 pods, restarted 5 times)',
    );
    expect(d.rootCause?.fix?.params).toEqual({ container: 'app', limits: { memory: '2Gi' } });
    expect(d.rootCause?.evidence.at(-1)).toBe('pods: naver-news-7d9c8b6f5-d3e4f, naver-news-7d9c8b6f5-a1b2c');
  });

  it('blames a killing liveness probe, not the app, for the crash loop; restarts the one stuck replica', () => {
    const d = diagnose(s.livenessKills());
    expect(d.findings.map((f) => f.category)).toEqual(['ProbeFailure', 'CrashLoopBackOff']);
    expect(d.rootCause).toMatchObject({ severity: 'critical', fix: { intent: 'restart', params: {} } });
    expect(d.rootCause?.evidence).toContain(
      'Liveness probe failed: Get "http://10.42.0.17:8080/actuator/health": dial tcp 10.42.0.17:8080: connect: connection refused (x12 over 15m)',
    );
    expect(d.rootCause?.evidence).toContain(
      'Container app failed liveness probe, will be restarted (x4 over 15m)',
    );
  });

  it('sends a crash that began with a new image back to the image the old ReplicaSet still serves', () => {
    const d = diagnose(s.crashAfterBump());
    expect(d.rootCause).toMatchObject({
      category: 'CrashLoopBackOff',
      fix: { intent: 'image', params: { container: 'app', image: IMAGE.good } },
    });
    expect(d.rootCause?.summary).toContain(
      "crashes with exit code 1: Failed to bind properties under 'news.crawler.interval'",
    );
    expect(d.rootCause?.summary).toContain('(1 of 3 pods, restarted 6 times)');
    // The readiness failures of a crashing container follow from the crash.
    expect(d.findings.map((f) => f.category)).toEqual(['CrashLoopBackOff', 'ProbeFailure']);
    expect(d.findings[1]?.summary).toMatch(/a consequence of CrashLoopBackOff$/);
    expect(d.findings[1]?.fix).toBeUndefined();
  });

  it('restarts a replica that crashed on a refused connection while its sibling runs', () => {
    const d = diagnose(s.crashOnDependency());
    expect(d.rootCause).toMatchObject({ category: 'CrashLoopBackOff', fix: { intent: 'restart' } });
    expect(d.rootCause?.evidence).toContain('log: Caused by: java.net.ConnectException: Connection refused');
  });

  it.each([
    [
      cfg.missingSecret,
      'Secret prod/db-creds does not exist',
      'Error: secret "db-creds" not found (x9 over 8m)',
    ],
    [
      cfg.missingSecretKey,
      'key PASSWORD is missing in Secret prod/db-creds',
      "Error: couldn't find key PASSWORD in Secret prod/db-creds (x9 over 8m)",
    ],
  ])('says which Secret or key is missing and proposes no Git change (%#)', (make, what, line) => {
    const d = diagnose(make());
    expect(d.rootCause).toMatchObject({
      category: 'ContainerConfigError',
      resource: { ...deployment, container: 'app' },
    });
    expect(d.rootCause?.summary).toBe(`container app cannot be created: ${what}`);
    expect(d.rootCause?.evidence).toContain(line);
    expect(d.rootCause?.fix).toBeUndefined();
  });

  it('a Secret mounted as a volume: FailedMount is the evidence, the pod has no container state to read', () => {
    const d = diagnose(cfg.missingMountedSecret());
    expect(d.rootCause).toMatchObject({ category: 'ContainerConfigError', resource: deployment });
    expect(d.rootCause?.summary).toBe(
      'pod cannot start: a mounted Secret prod/naver-news-tls does not exist',
    );
    expect(d.rootCause?.evidence[0]).toBe(
      'MountVolume.SetUp failed for volume "tls" : secret "naver-news-tls" not found (x12 over 22m)',
    );
  });

  it('reads init containers itself (Argo CD does not) and reports no crash loop for the waiting app', () => {
    const d = diagnose(cfg.initCrash());
    expect(d.findings.map((f) => f.category)).toEqual(['InitContainerFailure']);
    expect(d.rootCause?.resource).toEqual({ ...deployment, container: 'migrate' });
    expect(d.rootCause?.evidence).toEqual(
      expect.arrayContaining([
        'Pod Initialized=False ContainersNotInitialized: containers with incomplete status: [migrate]',
        "log: Error: P1001: Can't reach database server at `db:5432`",
      ]),
    );
  });
});
