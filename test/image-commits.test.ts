/**
 * An image's source commit, read as deckhand reads it for lead time: the OCI labels
 * `org.opencontainers.image.revision` and `.source` from a real registry (Debian's docker-registry,
 * CNCF distribution), the commit's date from a GitHub API answered by the sandbox through Octokit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../src/core/errors.ts';
import { imageCommits, REVISION_LABEL, SOURCE_LABEL } from '../src/plugins/delivery/image-commits.ts';
import { commitIn } from '../src/plugins/gitops-pr/hosts/registry.ts';
import { RegistryConfigSchema } from '../src/plugins/registry/config.ts';
import { Registries } from '../src/plugins/registry/service.ts';
import { R, REPO_URL, SLOW, start, type Fixture } from '../src/sandbox/github-api/testing.ts';
import { hasRegistry, startRegistry, type TestRegistry } from './support/oci-registry.ts';

const missing = hasRegistry()
  ? undefined
  : 'docker-registry is not installed (Debian: apt-get install docker-registry)';
if (missing && process.env.CI) throw new Error(`The registry is needed on CI: ${missing}`);

describe.skipIf(missing)("an image's source commit", () => {
  let reg: TestRegistry;
  let gh: Fixture;
  let commit: { sha: string; date: string };
  let read: (image: string) => Promise<{ sha: string; date: string }>;
  beforeAll(async () => {
    [reg, gh] = await Promise.all([startRegistry(), start()]);
    const { data } = await gh.octokit.repos.listCommits({ ...R, per_page: 1 });
    commit = { sha: data[0]!.sha, date: data[0]!.commit.author!.date! };
    const labelled = (labels: Record<string, string>) => ({ created: '2026-03-02T10:00:00Z', labels });
    await reg.push('acme/web', '1.0.0', labelled({ [REVISION_LABEL]: commit.sha, [SOURCE_LABEL]: REPO_URL }));
    await reg.push('acme/web', 'bare', { created: '2026-03-02T10:00:00Z' });
    await reg.push(
      'acme/web',
      'short',
      labelled({ [REVISION_LABEL]: commit.sha.slice(0, 7), [SOURCE_LABEL]: REPO_URL }),
    );
    await reg.push(
      'acme/web',
      'elsewhere',
      labelled({ [REVISION_LABEL]: commit.sha, [SOURCE_LABEL]: 'https://gitlab.example.com/acme/web' }),
    );
    await reg.push(
      'acme/web',
      'gone',
      labelled({ [REVISION_LABEL]: 'f'.repeat(40), [SOURCE_LABEL]: REPO_URL }),
    );
    const registries = new Registries(
      RegistryConfigSchema.parse({ registries: [{ host: reg.host, url: reg.url }] }),
    );
    read = imageCommits(registries, (url, sha) => commitIn([gh.host], url, sha));
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    await gh?.cleanup();
  });

  it('is the labelled revision, dated as the Git host dates it', SLOW, async () => {
    expect(await read(`${reg.host}/acme/web:1.0.0`)).toEqual(commit);
  });

  it(
    'cannot be known without both labels, a full commit id, a host for the repository or the commit',
    SLOW,
    async () => {
      const why = async (tag: string) => {
        const err = await read(`${reg.host}/acme/web:${tag}`).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InputError);
        return (err as Error).message;
      };
      expect(await why('bare')).toContain(`no ${REVISION_LABEL} label`);
      expect(await why('short')).toContain('naming a full commit');
      expect(await why('elsewhere')).toContain('no access to gitlab.example.com');
      expect(await why('gone')).toContain(`${REPO_URL} has no commit fffffff`);
      expect(await why('never-pushed')).toContain('no longer in its registry');
    },
  );

  it('is asked again later when the registry is down (not an InputError)', SLOW, async () => {
    const down = new Registries(
      RegistryConfigSchema.parse({
        registries: [{ host: '127.0.0.1:9', url: 'http://127.0.0.1:9', timeoutMs: 2000 }],
      }),
    );
    const err = await imageCommits(down, (url, sha) => commitIn([gh.host], url, sha))(
      '127.0.0.1:9/acme/web:1.0.0',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(InputError);
  });
});
