/**
 * Stories: a world said as what happened, expanded at load time into the scenario the sandbox
 * serves. `expandStory` checks a story document against its schema, writes the objects (the
 * builders of this folder), computes each app's health as the sandbox's Argo CD would, and returns
 * the scenario document; what is wrong with a story comes back as problems at document paths.
 */
import { formatPath } from '../../core/config/load.ts';
import { application, settleHealth } from './apps.ts';
import { namespace, node } from './cluster.ts';
import { StoryProblem } from './containers.ts';
import { deployment } from './deployments.ts';
import { storyEvent } from './events.ts';
import { appsOfGit, listedApp, withFiles } from './app-of-apps.ts';
import { containerLogs, storyLogs } from './container-logs.ts';
import { fromGit, storyGit, type FromGitOrder, type StoryGit } from './from-git.ts';
import { gitRepository } from './git.ts';
import { cronJob, hookJob } from './jobs.ts';
import { StorySchema, type StoryApp, type StoryInput } from './schema.ts';
import { configMap, hpa, ingress, quota, service } from './services.ts';
import { statefulSet } from './statefulsets.ts';
import { storageClass } from './storage.ts';
import { StoryWorld, type Obj } from './world.ts';

export { StorySchema } from './schema.ts';

/** A story that cannot be expanded, with each problem as `path: message`. */
export class StoryError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.problems = problems;
    this.name = 'StoryError';
  }
}

export const isStory = (doc: unknown): boolean =>
  typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'Story';

/** Everything an app's workloads and services make, in the order a cluster would list them. */
function buildApp(
  w: StoryWorld,
  story: StoryInput,
  a: StoryApp,
  path: string,
  pods: Obj[],
  git: FromGitOrder,
): void {
  const ctx = (kind: string, i: number) => ({
    app: a.name,
    namespace: a.namespace,
    named: story.containers,
    path: `${path}.${kind}.${i}`,
  });
  a.deployments.forEach((d, i) => pods.push(...deployment(w, { ...ctx('deployments', i), d })));
  a.statefulSets.forEach((d, i) => pods.push(...statefulSet(w, { ...ctx('statefulSets', i), d })));
  pods.push(...fromGit(w, a, { ...git, path }));
  a.cronJobs.forEach((d, i) => cronJob(w, { ...ctx('cronJobs', i), d }));
  a.hooks.forEach((d, i) => hookJob(w, { ...ctx('hooks', i), d }));
  for (const s of a.services) service(w, a.name, a.namespace, s, pods);
  for (const c of a.configMaps) configMap(w, a.name, a.namespace, c.name, c.data);
  for (const i of a.ingresses) ingress(w, a.name, a.namespace, i);
  a.hpas.forEach((h, i) => hpa(w, a.name, a.namespace, h, `${path}.hpas.${i}`));
}

/** A story's repository kept on disk needs the story's folder to be found. */
function git(story: StoryInput, base: string | undefined) {
  if (!story.git) return undefined;
  if (!base) throw new StoryProblem('git', 'a story with a repository on disk is read from a file');
  return gitRepository({ url: story.repo, ...story.git, base, path: 'git' });
}

/** The story's apps: those an app of apps finds in its Git, or the ones it lists in full. */
function storyApps(story: StoryInput, history: StoryGit | undefined, base: string | undefined): StoryApp[] {
  if (!story.appOfApps) return story.apps.map((a, i) => listedApp(a, `apps.${i}`));
  if (!history || !base) throw new StoryProblem('appOfApps', 'an app of apps is found in the story’s git');
  return appsOfGit(story, history, base);
}

function build(story: StoryInput, base: string | undefined): unknown {
  const now = Date.parse(story.now);
  const w = new StoryWorld(story.metadata.name, now);
  for (const n of story.namespaces) namespace(w, n);
  const nodes = story.nodes.map((n) =>
    typeof n === 'string' ? { name: n, cpu: '4', memory: '8Gi', controlPlane: false, events: [] } : n,
  );
  const nodeObjects = nodes.map((n) => node(w, n));
  for (const c of story.storageClasses)
    storageClass(w, { name: c.name, created: c.created, isDefault: c.default });
  const repo = git(story, base);
  const history = repo && storyGit(repo.history);
  const apps = storyApps(story, history, base);
  const where = (a: StoryApp) => {
    const i = story.apps.findIndex((x) => x.name === a.name);
    return i < 0 ? `app ${a.name}` : `apps.${i}`;
  };
  // Argo CD creates an app's namespace when it first syncs there (CreateNamespace=true).
  if (story.appOfApps)
    for (const a of apps)
      if (!w.find('Namespace', a.namespace))
        namespace(w, a.namespace, `${Number((a.history[0] as { age: string }).age.slice(0, -1)) + 2}s`);
  const pods: Obj[] = [];
  const order = { git: history, nodes: nodes.map((n) => n.name) };
  for (const a of apps) buildApp(w, story, a, where(a), pods, { ...order, path: where(a) });
  nodes.forEach((n, i) =>
    n.events.forEach((e, j) => storyEvent(w, nodeObjects[i] as Obj, e, undefined, `nodes.${i}.events.${j}`)),
  );
  for (const q of story.quotas) quota(w, q);
  containerLogs(w, storyLogs(story, base));
  const applications = apps.map((a) =>
    application(w, a, { repo: story.repo, server: story.cluster.server, path: where(a) }),
  );
  const scenario = {
    apiVersion: story.apiVersion,
    kind: 'Scenario',
    metadata: story.metadata,
    now: story.now,
    argocd: [{ ...story.argocd, applications }],
    clusters: [{ ...story.cluster, objects: w.objects, logs: w.logs }],
    ...(repo ? { git: [repo] } : {}),
    ...(story.registries ? { registries: withFiles(story.registries, base, 'registries') } : {}),
    ...(story.simulation === undefined
      ? {}
      : { simulation: withFiles(story.simulation, base, 'simulation') }),
  };
  settleHealth(scenario, now);
  return scenario;
}

/**
 * The scenario document a story tells (plain data, to be validated as any scenario is); `base` is
 * the story's folder, where the files it names are.
 */
export function expandStory(doc: unknown, base?: string): unknown {
  const parsed = StorySchema.safeParse(doc);
  if (!parsed.success)
    throw new StoryError(parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`));
  try {
    return build(parsed.data, base);
  } catch (e) {
    if (e instanceof StoryProblem) throw new StoryError([`${e.path}: ${e.message}`]);
    throw e;
  }
}
