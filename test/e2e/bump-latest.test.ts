/**
 * `gitops bump <app>` without a tag, end to end: the demo world's sandbox (Argo CD, Git) and a real
 * registry (Debian's docker-registry on loopback) standing in for ghcr.io. The registry's tags and
 * the app's policy decide the pull request; the conversation hears what was picked and what was
 * left out and why; a registry that is gone is said within seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryConfigSchema } from '../../src/plugins/registry/config.ts';
import { hasRegistry, startRegistry, type TestRegistry } from '../support/oci-registry.ts';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';

const missing = hasRegistry()
  ? undefined
  : 'docker-registry is not installed (Debian: apt-get install docker-registry)';
// On CI every tool the suite needs is there: a missing registry fails the run instead of skipping.
if (missing && process.env.CI) throw new Error(`The registry is needed on CI: ${missing}`);

const REPO = 'https://github.com/sijunkim/infra';
const day = (d: number) => `2026-08-${String(d).padStart(2, '0')}T09:00:00Z`;

const changedLines = async (s: SandboxBot, headSha: string, base: string) => {
  const files = await s.run.sandbox.repos.get(REPO)!.git.diff(base, headSha);
  return files.map((f) => ({
    path: f.path,
    lines: f.patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l)),
  }));
};
const cardOf = (r: { messages: { data?: Record<string, unknown> }[] }) =>
  r.messages.find((m) => m.data?.change)?.data as { change: { headSha: string } } | undefined;

describe.skipIf(missing)('gitops bump without a tag, with the registry up', () => {
  let reg: TestRegistry;
  let s: SandboxBot;
  beforeAll(async () => {
    reg = await startRegistry();
    const api = [
      ['1.14.2', 10],
      ['1.15.0', 20],
      ['1.15.1', 22],
      ['1.16.0-rc.1', 23],
      ['2.0.0', 24],
      ['latest', 24],
    ] as const;
    for (const [tag, d] of api) await reg.push('sijunkim/flash-api', tag, { created: day(d) });
    const news = [
      ['master-51c0e8d', 4],
      ['master-3f9c2e1', 21],
      ['master-484af0a', 23],
      ['latest', 23],
    ] as const;
    for (const [tag, d] of news) await reg.push('sijunkim/naver-news-spring', tag, { created: day(d) });
    s = await startSandboxBot({
      overrides: (cfg) => {
        cfg.plugins.registry = RegistryConfigSchema.parse({
          registries: [{ host: 'ghcr.io', url: reg.url }],
          policies: [
            { apps: ['flash-api-staging'], strategy: 'semver', constraint: '~1.14' },
            { apps: ['flash-api-*'], strategy: 'semver', constraint: '~1.15' },
            { apps: ['naver-news'], strategy: 'newest-build', allowTags: 'regexp:^master-' },
            { apps: ['flash-web-*'], strategy: 'digest' },
          ],
        });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await reg?.stop();
  });

  it('moves flash-api-dev to the newest version its policy allows, and says what it left out', async () => {
    const base = (await s.run.sandbox.repos.get(REPO)!.git.resolve('master'))!;
    const r = await s.exec('/gitops bump flash-api-dev', 'alice');
    expect(r.ok).toBe(true);
    const text = textOf(r);
    expect(text).toContain('flash-api: 1.15.0 → 1.15.1, the newest by semver ~1.15.');
    expect(text).toContain('1.16.0-rc.1: a pre-release (allow them with a constraint such as ~1.15-0)');
    expect(text).toContain('2.0.0: outside ~1.15');
    expect(text).toContain('latest: not a semantic version');
    expect(await changedLines(s, cardOf(r)!.change.headSha, base)).toEqual([
      {
        path: 'flash-tickets/overlays/dev/flash-api/kustomization.yaml',
        lines: [
          expect.stringMatching(/^-\s*newTag: 1\.15\.0$/),
          expect.stringMatching(/^\+\s*newTag: 1\.15\.1$/),
        ],
      },
    ]);
  });

  it("fixes flash-api-prod, whose Git asks for a tag the registry lacks, with the policy's newest", async () => {
    const r = await s.exec('/gitops bump flash-api-prod latest', 'alice');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toContain('flash-api: v1.15.0 → 1.15.1, the newest by semver ~1.15.');
  });

  it('follows a build-date policy for tags that are not versions (naver-news, master-<sha>)', async () => {
    const r = await s.exec('/gitops bump naver-news latest', 'alice');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toMatch(
      /naver-news: master-\w+ → master-484af0a, the newest by newest-build, allow regexp:\^master-\./,
    );
    expect(textOf(r)).toContain('latest: not allowed by regexp:^master-');
  });

  it('pins a mutable tag to its digest under the digest strategy', async () => {
    const status = dataOf(await s.exec('/argo status flash-web-dev')).app as { images: { image: string }[] };
    const tag = status.images[0]!.image.split(':').at(-1)!;
    const digest = await reg.push('sijunkim/flash-web', tag, { created: day(20) });
    const r = await s.exec('/gitops bump flash-web-dev', 'alice');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toContain(
      `flash-web: ${tag} → ${tag} (${digest.slice(0, 19)}…), the newest by digest ${tag}.`,
    );
  });

  it('says so, and proposes nothing, when the newest allowed is older than what runs', async () => {
    const r = await s.exec('/gitops bump flash-api-staging', 'alice');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toContain(
      'flash-api-staging runs 1.15.0, newer than anything semver ~1.14 allows (the newest is 1.14.2); nothing to bump.',
    );
    expect(cardOf(r)).toBeUndefined();
  });

  it('asks which image when the app runs several, and names what the registry lacks', async () => {
    const several = await s.exec('/gitops bump kube-prometheus-stack', 'alice');
    expect(several.ok).toBe(false);
    expect(textOf(several)).toMatch(
      /kube-prometheus-stack runs several images \(.*node-exporter:v1\.9\.1 in node-exporter.*\); which one\?/,
    );
    const none = await s.exec('/gitops bump friend-app', 'alice');
    expect(none.ok).toBe(false);
    expect(textOf(none)).toContain(
      'ghcr.io/sijunkim/friend-app does not exist, or deckhand may not see it (NAME_UNKNOWN',
    );
  });

  it('refuses a viewer, proposing nothing', async () => {
    const r = await s.exec('/gitops bump flash-api-dev', 'carol');
    expect(r.ok).toBe(false);
    expect(cardOf(r)).toBeUndefined();
  });
});

describe('gitops bump without a tag, with the registry gone and no policies', () => {
  let s: SandboxBot;
  // Port 2 has no listener, and no server here can be given it (port 0 picks from the ephemeral
  // range, 32768 and up): the connection is refused every time, where a port another server just
  // freed may be taken again. Not port 1: fetch refuses it unasked (the Fetch standard's bad ports).
  const url = 'http://127.0.0.1:2';
  beforeAll(async () => {
    s = await startSandboxBot({
      overrides: (cfg) => {
        cfg.plugins.registry = RegistryConfigSchema.parse({ registries: [{ host: 'ghcr.io', url }] });
      },
    });
  }, 60_000);
  afterAll(async () => s?.stop());

  it('does not guess what is newer than a tag that is not a version', async () => {
    const r = await s.exec('/gitops bump naver-news', 'alice');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toMatch(
      /naver-news runs ghcr\.io\/sijunkim\/naver-news-spring:master-\w+, whose tag is not a version, and no policy says which tags are newer\./,
    );
  });

  it('answers within seconds that the registry cannot be reached', async () => {
    const started = Date.now();
    const r = await s.exec('/gitops bump flash-api-dev', 'alice');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toContain(`Cannot reach the registry ghcr.io at ${url}: ECONNREFUSED.`);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
