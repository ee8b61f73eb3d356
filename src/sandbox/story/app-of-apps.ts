/**
 * A story whose apps are what an app of apps finds in its Git repository: each Application as Git
 * has it, deployed at every commit that changed what it renders — automated syncs a minute or so
 * after the commit, manual ones a few minutes later by the person the story names. The story tells
 * only what Git cannot: how pods fared, what drifted, which commits failed to sync.
 */
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../reconciler/kustomize.ts';
import { StoryProblem } from './containers.ts';
import { besideStory } from './files.ts';
import type { StoryGit } from './from-git.ts';
import { appCommits } from './gitops.ts';
import { AppSchema, type AppInput, type GitSync, type StoryApp, type StoryInput } from './schema.ts';
import { hex, type Any } from './world.ts';

/** The manifests of a file beside the story (several YAML documents). */
export function manifestsFile(base: string, file: string, where: string): Manifest[] {
  const docs = parseAllDocuments(besideStory(base, file, where));
  const bad = docs.find((d) => d.errors.length);
  if (bad) throw new StoryProblem(where, `${file}: ${bad.errors[0]?.message}`);
  return docs.map((d) => d.toJS() as Manifest).filter((m) => m && typeof m === 'object');
}

/** A section copied into the scenario, with each `{ file: <path> }` in it read from beside the story. */
export function withFiles(value: unknown, base: string | undefined, where: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => withFiles(v, base, `${where}.${i}`));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only?.[0] === 'file' && typeof only[1] === 'string')
    return besideStory(base, only[1], where);
  return Object.fromEntries(entries.map(([k, v]) => [k, withFiles(v, base, `${where}.${k}`)]));
}

/** A delay in whole seconds, the same for the same app and commit: syncs do not all take a round minute. */
const spread = (key: string, from: number, span: number) =>
  (from + (parseInt(hex(key, 8), 16) % span)) * 1000;

/** How long after a commit Argo CD synced it: the app of apps first, then automated apps, then a person. */
function lag(app: string, commit: number, root: boolean, automated: boolean): number {
  const key = `sync/${app}/${commit}`;
  if (root) return spread(key, 20, 20);
  return automated ? spread(key, 55, 60) : spread(key, 180, 240);
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))}s`;

/** The story's apps, one for each Application the app of apps finds in Git at the head. */
export function appsOfGit(story: StoryInput, git: StoryGit, base: string): StoryApp[] {
  const root = story.appOfApps as string;
  const now = Date.parse(story.now);
  const charts = new Map(
    Object.entries(story.charts).map(([app, c]) => [
      app,
      {
        manifests: manifestsFile(base, c.manifests, `charts.${app}.manifests`),
        operated: c.operated ? manifestsFile(base, c.operated, `charts.${app}.operated`) : [],
      },
    ]),
  );
  const found = appCommits(git.history, root, (app) => structuredClone(charts.get(app)?.manifests ?? []));
  if (!found.length) throw new StoryProblem('appOfApps', `${root} is not an Application in the story’s Git`);
  const names = found.map((f) => f.app.metadata.name as string);
  story.apps.forEach((a, i) => {
    if (!names.includes(a.name))
      throw new StoryProblem(`apps.${i}.name`, `${a.name} is not an Application the app of apps finds`);
  });
  for (const name of Object.keys(story.charts))
    if (!names.includes(name)) throw new StoryProblem(`charts.${name}`, `${name} is not an app of the story`);
  const n = git.history.length;
  const ref = (i: number) => (i === n - 1 ? 'HEAD' : `HEAD~${n - 1 - i}`);
  const dated = (i: number) => {
    const t = Date.parse(git.history[i]?.date ?? '');
    if (Number.isNaN(t)) throw new StoryProblem('git.history', `commit ${i + 1} has no date`);
    return t;
  };
  const commitIndex = (r: string, where: string) => {
    const m = /^HEAD(?:~(\d+))?$/.exec(r);
    const i = n - 1 - Number(m?.[1] ?? 0);
    if (!m || i < 0) throw new StoryProblem(where, `${r}: name a commit HEAD or HEAD~n of the history`);
    return i;
  };

  return found.map(({ app, at, changed, manifests }, index) => {
    const name = app.metadata.name as string;
    const i = story.apps.findIndex((a) => a.name === name);
    const path = i < 0 ? `appOfApps(${name})` : `apps.${i}`;
    const told: AppInput = story.apps[i] ?? AppSchema.parse({ name });
    const isRoot = index === 0;
    const automated = !!app.spec.syncPolicy?.automated;
    const failedFrom =
      told.failedSync?.from === undefined
        ? undefined
        : commitIndex(told.failedSync.from, `${path}.failedSync.from`);
    const synced = changed.filter((c) => failedFrom === undefined || c < failedFrom);
    const when = (c: number) => dated(c) + lag(name, c, isRoot, automated);
    const late = synced.find((c) => when(c) > now);
    if (late !== undefined)
      throw new StoryProblem(path, `${ref(late)} is synced after the story’s now: move now or the commit`);
    if (!synced.length) throw new StoryProblem(path, `no commit of the history deploys ${name}`);
    const sourceAt = (c: number) => structuredClone(at[c]?.spec.source ?? app.spec.source);
    const syncs: GitSync[] = synced.map((c) => ({
      revision: app.spec.source?.chart ? (sourceAt(c).targetRevision as string) : ref(c),
      source: sourceAt(c),
      initiatedBy: automated ? { automated: true } : { username: told.syncedBy },
    }));
    const history = told.history ?? synced.map((c) => ({ commit: ref(c), age: seconds(now - when(c)) }));
    const dir = (app.spec.source?.path as string | undefined) ?? '';
    return {
      ...told,
      namespace: app.spec.destination?.namespace as string,
      path: dir,
      sourceType: sourceType(app.spec.source, dir, git.trees.at(-1) ?? new Map()),
      history,
      // What drifted, and what a failing sync could not apply, differ from Git.
      outOfSync: [
        ...told.outOfSync,
        ...Object.keys(told.drift),
        ...(told.failedSync?.from ? told.failedSync.failed.map((f) => `${f.kind}/${f.name}`) : []),
      ],
      failedSync:
        told.failedSync && failed(told.failedSync, changed, failedFrom as number, when, now, path, n),
      git: {
        manifest: app,
        syncs,
        results: results(app, manifests[synced.at(-1) as number] ?? [], manifests[synced.at(-2) ?? -1] ?? []),
        children: isRoot ? found.slice(1).map((f) => f.app) : [],
        ...(charts.has(name) ? { chart: charts.get(name) } : {}),
      },
    } satisfies StoryApp;
  });
}

/** What the last sync did to each resource, as Argo CD reports kubectl's answer (created, configured, unchanged). */
function results(app: Any, now: Manifest[], before: Manifest[]) {
  const ssa = (app.spec.syncPolicy?.syncOptions ?? []).includes('ServerSideApply=true');
  return now.map((m) => {
    const was = before.find((b) => b.kind === m.kind && b.metadata.name === m.metadata.name);
    const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : ['', m.apiVersion];
    const verb = ssa
      ? 'serverside-applied'
      : !was
        ? 'created'
        : JSON.stringify(was) === JSON.stringify(m)
          ? 'unchanged'
          : 'configured';
    return {
      ...(group ? { group } : {}),
      version,
      kind: m.kind,
      ...(m.metadata.namespace ? { namespace: m.metadata.namespace } : {}),
      name: m.metadata.name,
      status: 'Synced',
      message: `${m.kind.toLowerCase()}${group ? `.${group}` : ''}/${m.metadata.name} ${verb}`,
      hookPhase: 'Running',
      syncPhase: 'Sync',
    };
  });
}

/** What Argo CD says a source is: a Helm chart, a kustomization, or a directory of manifests. */
function sourceType(source: Any, dir: string, head: Map<string, string>): string {
  const at = (f: string) => head.has(dir ? `${dir}/${f}` : f);
  if (source?.chart || source?.helm || at('Chart.yaml')) return 'Helm';
  if (['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some(at)) return 'Kustomize';
  return 'Directory';
}

/**
 * A failed sync's times, unless the story says them: automated sync tries each new revision of an
 * app that is out of sync, so the last attempt was at the newest commit, with its retries.
 */
function failed(
  f: NonNullable<AppInput['failedSync']>,
  changed: number[],
  from: number,
  when: (c: number) => number,
  now: number,
  path: string,
  commits: number,
) {
  if (!changed.some((c) => c >= from))
    throw new StoryProblem(`${path}.failedSync.from`, 'no commit from there on changed the app');
  const last = commits - 1;
  // Five retries with Argo CD's default backoff (5s doubling, capped at 3m) take about 2.5 minutes.
  const started = f.started ?? seconds(now - when(last));
  const finished = f.finished ?? seconds(now - when(last) - 157_000);
  return { ...f, started, finished, retried: f.retried ?? 5 };
}

/** For stories whose apps are listed in full: each must say where it deploys and what it deployed. */
export function listedApp(a: AppInput, path: string): StoryApp {
  for (const key of ['namespace', 'path', 'history'] as const)
    if (a[key] === undefined)
      throw new StoryProblem(`${path}.${key}`, 'required (in a story without an app of apps)');
  if (a.failedSync && (!a.failedSync.started || !a.failedSync.finished))
    throw new StoryProblem(`${path}.failedSync`, 'say when it started and finished');
  return a as StoryApp;
}
