/**
 * The source commit an image was built from. The OCI image spec's annotations (image-spec
 * annotations.md, also set as config labels by docker/metadata-action, ko, Jib and buildpacks):
 * `org.opencontainers.image.revision` is the source control revision, and
 * `org.opencontainers.image.source` the URL of the source repository. The commit's date comes from
 * the Git host; an image without both labels, or a repository deckhand has no access to, has no
 * commit deckhand could know (InputError: not asked again). A registry or host that is down is
 * another error, asked again on the next pass.
 */
import { ConflictError, InputError, NotFoundError } from '../../core/errors.ts';
import { parseImage } from '../../core/image-ref.ts';
import type { RegistryService } from '../registry/api.ts';

export const REVISION_LABEL = 'org.opencontainers.image.revision';
export const SOURCE_LABEL = 'org.opencontainers.image.source';

/** A full commit id (SHA-1 or SHA-256): the Git hosts' commit endpoints take no abbreviation. */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function imageCommits(
  registry: Pick<RegistryService, 'locate'>,
  commitOf: (repoURL: string, sha: string) => Promise<{ sha: string; date: string }>,
  signal?: AbortSignal,
): (image: string) => Promise<{ sha: string; date: string }> {
  return async (image) => {
    const ref = parseImage(image);
    const { client, repository } = registry.locate(image);
    const labels = await client
      .inspect(repository, ref.digest ?? ref.tag ?? 'latest', signal)
      .then((c) => c.labels)
      .catch((err: unknown) => {
        if (err instanceof NotFoundError) throw new InputError(`${image} is no longer in its registry`);
        // No build for the configured platform: the same answer every time.
        if (err instanceof ConflictError) throw new InputError(err.message);
        throw err;
      });
    const sha = labels[REVISION_LABEL]?.trim().toLowerCase();
    const source = labels[SOURCE_LABEL]?.trim();
    if (!sha || !COMMIT.test(sha))
      throw new InputError(`${image} has no ${REVISION_LABEL} label naming a full commit`);
    if (!source || !/^https?:\/\//.test(source))
      throw new InputError(`${image} has no ${SOURCE_LABEL} label naming its repository`);
    const c = await commitOf(source, sha);
    return { sha: c.sha, date: c.date };
  };
}
