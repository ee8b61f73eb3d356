/**
 * Argo CD Image Updater as the sandbox plays it: for each Application it watches (the
 * `argocd-image-updater.argoproj.io/image-list` annotation) with write-back `argocd`, each image
 * follows the newest tag its update strategy allows among the scenario registry's tags, filtered by
 * `<alias>.allow-tags` and `<alias>.ignore-tags`, and the choice is written to the live Application
 * (a kustomize images entry, or Helm parameters) — never to Git. Argo CD then syncs it.
 *
 * Rules from the Image Updater docs (docs/basics/update-strategies.md, docs/configuration/images.md
 * "Filtering tags"): strategies semver (the default; a constraint after the image name; with none,
 * every version takes part, pre-releases too), newest-build (alias latest: the most recent build),
 * alphabetical (alias name: the last tag in lexical order) and digest (not played here);
 * allow-tags is `regexp:<expression>` or `any`; ignore-tags a comma-separated list of globs.
 * The semver constraints played are the common ones (exact, `x`/`*` wildcards, `~`, `^`); a
 * constraint beyond those leaves the image as it is and says why.
 */
import type { Scenario } from './scenario.ts';
import type { ArgoInstanceState } from './world.ts';

// Applications are free-form JSON here, as the scenario gives them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const IU = 'argocd-image-updater.argoproj.io';

export interface UpdaterMove {
  app: string;
  alias: string;
  from?: string;
  to?: string;
  /** Why nothing moved, when nothing did. */
  note?: string;
}

type Tag = { tag: string; created?: string };

interface Version {
  nums: [number, number, number];
  pre: string;
}

function version(tag: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?$/.exec(tag);
  return m ? { nums: [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)], pre: m[4] ?? '' } : undefined;
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++)
    if (a.nums[i] !== b.nums[i]) return (a.nums[i] as number) - (b.nums[i] as number);
  // A pre-release sorts before its release.
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** Whether a version satisfies the constraints played here; undefined for one that is not played. */
function satisfies(v: Version, constraint: string): boolean | undefined {
  const c = constraint.trim();
  // No constraint: every tag that reads as a version takes part (pkg/image/version.go).
  if (!c) return true;
  if (c === '*' || c === 'x') return !v.pre;
  const m = /^([~^]?)v?(\d+|[x*])(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(c);
  if (!m) return undefined;
  const op = m[1];
  const parts = [m[2], m[3], m[4]].map((p) =>
    p === undefined || p === 'x' || p === '*' ? undefined : Number(p),
  );
  if (v.pre) return false;
  const [major, minor, patch] = parts;
  if (op === '^') {
    // Masterminds' caret keeps the left-most non-zero part (^1.2 <2, ^0.2 <0.3, ^0.0.3 <0.0.4).
    if (v.nums[0] !== major) return false;
    if (major === 0 && minor !== undefined && v.nums[1] !== minor) return false;
    if (major === 0 && minor === 0 && patch !== undefined && v.nums[2] !== patch) return false;
    return compare(v, { nums: [major ?? 0, minor ?? 0, patch ?? 0], pre: '' }) >= 0;
  }
  if (op === '~') {
    if (v.nums[0] !== major || (minor !== undefined && v.nums[1] !== minor)) return false;
    return compare(v, { nums: [major ?? 0, minor ?? 0, patch ?? 0], pre: '' }) >= 0;
  }
  return parts.every((p, i) => p === undefined || v.nums[i] === p);
}

/** filepath.Match for the globs ignore-tags lists (`*`, `?`, character classes). */
function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

function allowed(tag: string, allow: string | undefined, ignore: string | undefined): boolean {
  const a = allow?.trim();
  if (a && a !== 'any') {
    if (!a.startsWith('regexp:')) return false;
    try {
      if (!new RegExp(a.slice('regexp:'.length)).test(tag)) return false;
    } catch {
      return false;
    }
  }
  return !(ignore ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .some((p) => glob(p).test(tag));
}

/** The tag a strategy picks, or why none. */
function pick(
  tags: Tag[],
  strategy: string,
  constraint: string | undefined,
): { tag?: string; note?: string } {
  if (!tags.length) return { note: 'no tag passes the filters' };
  switch (strategy) {
    case 'newest-build':
    case 'latest':
      return {
        // (a tag whose build time is unknown counts as the oldest)
        tag: [...tags].sort(
          (a, b) => (Date.parse(b.created ?? '') || 0) - (Date.parse(a.created ?? '') || 0),
        )[0]?.tag,
      };
    case 'alphabetical':
    case 'name':
      return {
        tag: tags
          .map((t) => t.tag)
          .sort()
          .at(-1),
      };
    case 'semver': {
      const ok: { tag: string; v: Version }[] = [];
      for (const t of tags) {
        const v = version(t.tag);
        if (!v) continue;
        const s = satisfies(v, constraint ?? '');
        if (s === undefined)
          return { note: `semver constraint ${constraint} is beyond what the sandbox plays` };
        if (s) ok.push({ tag: t.tag, v });
      }
      ok.sort((a, b) => compare(a.v, b.v));
      return ok.length ? { tag: ok.at(-1)?.tag } : { note: 'no version satisfies the constraint' };
    }
    default:
      return { note: `update strategy ${strategy} is not played by the sandbox` };
  }
}

export class ImageUpdaterSim {
  private readonly registries: Scenario['registries'];

  constructor(registries: Scenario['registries']) {
    this.registries = registries;
  }

  private tagsOf(repo: string): Tag[] | undefined {
    const slash = repo.indexOf('/');
    const host = slash > 0 && /[.:]/.test(repo.slice(0, slash)) ? repo.slice(0, slash) : 'docker.io';
    const path = host === 'docker.io' && !repo.startsWith('docker.io/') ? repo : repo.slice(slash + 1);
    return this.registries.find((r) => r.host === host)?.images.find((i) => i.repository === path)?.tags;
  }

  /**
   * One pass over an Argo CD instance: the images each watched Application would move to, written
   * to the live Applications. Returns each image looked at; `sync` is asked for each app changed.
   */
  async run(instance: ArgoInstanceState, sync: (app: Any) => Promise<unknown>): Promise<UpdaterMove[]> {
    const moves: UpdaterMove[] = [];
    for (const app of instance.list() as Any[]) {
      const ann: Record<string, string> = app.metadata.annotations ?? {};
      const list = ann[`${IU}/image-list`];
      if (!list?.trim() || (ann[`${IU}/write-back-method`] ?? 'argocd').trim() !== 'argocd') continue;
      let changed = false;
      for (const entry of list
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const eq = entry.indexOf('=');
        const alias = eq > 0 ? entry.slice(0, eq) : '';
        const spec = eq > 0 ? entry.slice(eq + 1) : entry;
        const colon = spec.lastIndexOf(':');
        const [repo, constraint] =
          colon > spec.lastIndexOf('/') ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
        const opt = (o: string) => (alias ? ann[`${IU}/${alias.replace(/\//g, '_')}.${o}`] : undefined);
        const move: UpdaterMove = { app: app.metadata.name, alias: alias || repo };
        const tags = this.tagsOf(repo);
        if (!tags) {
          moves.push({ ...move, note: `${repo} is not in the sandbox's registries` });
          continue;
        }
        const strategy = (opt('update-strategy') ?? 'semver').trim();
        const chosen = pick(
          tags.filter((t) => allowed(t.tag, opt('allow-tags'), opt('ignore-tags'))),
          strategy,
          constraint,
        );
        const current = currentTag(app, repo);
        if (!chosen.tag || chosen.tag === current) {
          moves.push({
            ...move,
            ...(current ? { from: current } : {}),
            ...(chosen.note ? { note: chosen.note } : {}),
          });
          continue;
        }
        instance.patch(app.metadata.name, app.metadata.namespace, (a: Any) =>
          setImage(a, repo, chosen.tag as string, opt),
        );
        moves.push({ ...move, ...(current ? { from: current } : {}), to: chosen.tag });
        changed = true;
      }
      if (changed) await sync(instance.get(app.metadata.name, app.metadata.namespace));
    }
    return moves;
  }
}

/** The tag the Application runs the image at: its override, else its deployed images. */
function currentTag(app: Any, repo: string): string | undefined {
  const src = app.spec.source ?? app.spec.sources?.[0] ?? {};
  const entries: string[] = src.kustomize?.images ?? [];
  const running: string[] = app.status?.summary?.images ?? [];
  for (const e of [...entries.map((x) => x.slice(x.indexOf('=') + 1)), ...running]) {
    const colon = e.lastIndexOf(':');
    if (colon > e.lastIndexOf('/') && e.slice(0, colon) === repo) return e.slice(colon + 1);
  }
  return undefined;
}

/** Write the image as write-back `argocd` does (pkg/argocd/update.go SetKustomizeImage / SetHelmImage). */
function setImage(app: Any, repo: string, tag: string, opt: (o: string) => string | undefined): void {
  const src = app.spec.source ?? app.spec.sources?.[0];
  if (!src) return;
  if (src.helm || src.chart) {
    const name = opt('helm.image-name') ?? 'image.name';
    const tagName = opt('helm.image-tag') ?? 'image.tag';
    const rest = (src.helm?.parameters ?? []).filter((p: Any) => p.name !== name && p.name !== tagName);
    src.helm = {
      ...(src.helm ?? {}),
      parameters: [
        ...rest,
        { name, value: repo, forcestring: true },
        { name: tagName, value: tag, forcestring: true },
      ],
    };
    return;
  }
  const named = opt('kustomize.image-name');
  const entry = `${named ? `${named}=` : ''}${repo}:${tag}`;
  const images: string[] = (src.kustomize?.images ?? []).filter((e: string) => {
    const ref = e.slice(e.indexOf('=') + 1);
    const colon = ref.lastIndexOf(':');
    return (colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref) !== repo;
  });
  src.kustomize = { ...(src.kustomize ?? {}), images: [...images, entry] };
}
