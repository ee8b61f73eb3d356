/**
 * The registries deckhand reads, behind one service: which client answers for an image's host
 * (configured credentials, or anonymous https://<host>), and the next tag for an image under a
 * policy — the registry's tags, filtered and picked by Image Updater's rules (strategy.ts), with
 * every tag left out and why.
 */
import { canonicalRepo, parseImage } from '../../core/image-ref.ts';
import { InputError } from '../../core/errors.ts';
import type { BackendObserver } from '../../core/metrics.ts';
import { RegistryClient } from './client.ts';
import type { RegistryConfig } from './config.ts';
import { filterTags, pickTag, type Skipped, type TagFacts, type TagPolicy } from './strategy.ts';

export interface NextImage {
  /** `host/repository` as the image names it, and the tag it runs now. */
  repo: string;
  current?: string;
  /** The tag to move to, and its digest for the digest strategy; absent when none qualifies. */
  tag?: string;
  digest?: string;
  policy: TagPolicy;
  /** newest-build: when the picked tag and the running one were built. */
  created?: string;
  currentCreated?: string;
  /** Tags of the registry that were left out, with why (filters and strategy). */
  skipped: Skipped[];
  /** How many tags the registry has. */
  total: number;
}

/** Docker Hub's API host differs from the name images use (distribution's "registry-1"). */
const DEFAULT_URL: Record<string, string> = { 'docker.io': 'https://registry-1.docker.io' };

export class Registries {
  private readonly cfg: RegistryConfig;
  private readonly observe?: BackendObserver;
  private readonly clients = new Map<string, RegistryClient>();

  constructor(cfg: RegistryConfig, observe?: BackendObserver) {
    this.cfg = cfg;
    this.observe = observe;
  }

  /** The client for an image's registry and the repository path within it. */
  locate(image: string): { client: RegistryClient; repository: string; repo: string } {
    const canonical = canonicalRepo(parseImage(image).repo);
    const slash = canonical.indexOf('/');
    const host = canonical.slice(0, slash);
    const repository = canonical.slice(slash + 1);
    if (!repository) throw new InputError(`${image} names no repository.`);
    let client = this.clients.get(host);
    if (!client) {
      const ep = this.cfg.registries.find(
        (r) => r.host === host || canonicalRepo(`${r.host}/x`) === `${host}/x`,
      );
      client = new RegistryClient({
        host,
        url: ep?.url ?? DEFAULT_URL[host] ?? `https://${host}`,
        username: ep?.username,
        password: ep?.password,
        timeoutMs: ep?.timeoutMs ?? 10_000,
        platform: this.cfg.platform,
        observe: this.observe,
      });
      this.clients.set(host, client);
    }
    return { client, repository, repo: parseImage(image).repo };
  }

  /** The policy configured for an app (first matching glob), if any. */
  policyFor(app: string, match: (glob: string, name: string) => boolean): TagPolicy | undefined {
    const p = this.cfg.policies.find((x) => x.apps.some((g) => match(g, app)));
    return (
      p && {
        strategy: p.strategy,
        constraint: p.constraint,
        allowTags: p.allowTags,
        ignoreTags: p.ignoreTags,
      }
    );
  }

  /** The tag an image should move to under a policy, read from its registry. */
  async next(image: string, policy: TagPolicy, signal?: AbortSignal): Promise<NextImage> {
    const { client, repository, repo } = this.locate(image);
    const current = parseImage(image).tag;
    const tags = await client.tags(repository, signal);
    const { kept, skipped } = filterTags(tags, policy);
    let facts: TagFacts[] = kept.map((tag) => ({ tag }));
    let currentCreated: string | undefined;
    if (policy.strategy === 'newest-build') {
      facts = await this.dated(client, repository, kept, skipped, signal);
      // The running build's date, so an older build is never offered as the newest.
      if (current && tags.includes(current))
        currentCreated =
          facts.find((f) => f.tag === current)?.created ??
          (await client.inspect(repository, current, signal)).created;
    }
    if (policy.strategy === 'digest') {
      const want = policy.constraint?.trim() || current;
      if (!want) throw new InputError(`${image} has no tag for the digest strategy to follow.`);
      policy = { ...policy, constraint: want };
      if (kept.includes(want))
        facts = [{ tag: want, digest: (await client.inspect(repository, want, signal)).digest }];
    }
    const picked = pickTag(facts, policy);
    const created = facts.find((f) => f.tag === picked.tag)?.created;
    return {
      repo,
      ...(created ? { created } : {}),
      ...(currentCreated ? { currentCreated } : {}),
      ...(current ? { current } : {}),
      ...(picked.tag ? { tag: picked.tag } : {}),
      ...(picked.digest ? { digest: picked.digest } : {}),
      policy,
      skipped: [...skipped, ...picked.skipped],
      total: tags.length,
    };
  }

  /**
   * Build dates of the candidates, read a few at a time; only the last `maxInspected` by name are
   * read (a registry with thousands of tags would cost thousands of pulls: Docker Hub counts them).
   */
  private async dated(
    client: RegistryClient,
    repository: string,
    tags: string[],
    skipped: Skipped[],
    signal?: AbortSignal,
  ): Promise<TagFacts[]> {
    const sorted = [...tags].sort();
    const read = sorted.slice(-this.cfg.maxInspected);
    for (const tag of sorted.slice(0, -this.cfg.maxInspected))
      skipped.push({ tag, why: `not inspected (only the last ${this.cfg.maxInspected} by name are)` });
    const out: TagFacts[] = [];
    for (let i = 0; i < read.length; i += 5) {
      const batch = read.slice(i, i + 5);
      const configs = await Promise.all(batch.map((t) => client.inspect(repository, t, signal)));
      batch.forEach((tag, j) => out.push({ tag, created: configs[j]?.created, digest: configs[j]?.digest }));
    }
    return out;
  }
}
