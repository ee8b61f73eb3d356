/**
 * A story's app whose objects come from its Git repository (`fromGit`): the app's deployed commits
 * (`history`: HEAD~n) are its syncs; at each, the sandbox's renderer says what Git asked to run
 * (./gitops.ts). What the last sync applied is in the world — the workloads built by ./synced.ts
 * and ./daemonsets.ts with the pods the story tells, the rest by ./applied.ts.
 */
import type { Manifest } from '../reconciler/kustomize.ts';
import { applied, appliedService, customResourceDefinition } from './applied.ts';
import { StoryProblem } from './containers.ts';
import { daemonSet } from './daemonsets.ts';
import { renderedAt, trees, type GitCommit } from './gitops.ts';
import type { AppInput, GitWorkloadInput } from './schema.ts';
import {
  generation,
  steps,
  syncedDeployment,
  syncedStatefulSet,
  templateRevisions,
  type Step,
  type Sync,
} from './synced.ts';
import type { Obj, StoryWorld } from './world.ts';

/** A story's Git history with each commit's tree, worked out once for all its apps. */
export interface StoryGit {
  history: GitCommit[];
  trees: Map<string, string>[];
}

export const storyGit = (history: GitCommit[]): StoryGit => ({ history, trees: trees(history) });

/** The commit `HEAD~n` names, as an index into the history. */
function commitOf(git: StoryGit, ref: string, path: string): number {
  const m = /^HEAD(?:~(\d+))?$/.exec(ref);
  const i = git.history.length - 1 - Number(m?.[1] ?? 0);
  if (!m || i < 0)
    throw new StoryProblem(
      path,
      `${ref}: a story with git names deployed commits HEAD or HEAD~n of its history`,
    );
  return i;
}

const WORKLOADS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** A workload as its syncs made it, with the pods the story tells. */
function workload(w: StoryWorld, a: AppInput, st: Step[], ref: string, d: GitWorkloadInput, where: string) {
  const [kind] = ref.split('/') as [string];
  const first = st[0] as Step;
  const order = { app: a.name, namespace: a.namespace, steps: st, pods: d.pods, path: where };
  if (kind === 'Deployment')
    return syncedDeployment(w, { ...order, previousPods: d.previousPods, progress: d.progress });
  if (kind === 'StatefulSet') return syncedStatefulSet(w, order);
  const onNodes = d.pods.map((p, i) => {
    if (!p.node) throw new StoryProblem(`${where}.pods.${i}.node`, 'a DaemonSet’s pod says its node');
    return [p.node, p] as const;
  });
  return daemonSet(w, (st.at(-1) as Step).manifest, {
    created: first.sync.age,
    generation: generation(st),
    rolled: (templateRevisions(st).at(-1) ?? first).sync.age,
    pods: Object.fromEntries(onNodes),
    path: where,
  });
}

/**
 * Everything the app's last sync applied, as its syncs made it: the workloads of `fromGit` with
 * their pods, Services with Endpoints, CRDs established, the rest as stored. Returns the pods.
 */
export function fromGit(w: StoryWorld, a: AppInput, git: StoryGit | undefined, path: string): Obj[] {
  if (!Object.keys(a.fromGit).length) return [];
  if (!git) throw new StoryProblem(`${path}.fromGit`, 'workloads from Git need the story’s git');
  const syncs: Sync[] = a.history.map((h, i) => ({
    commit: commitOf(git, h.commit, `${path}.history.${i}.commit`),
    age: h.age,
  }));
  const app = {
    metadata: { name: a.name },
    spec: { source: { path: a.path }, destination: { namespace: a.namespace } },
  };
  // Rendered at the synced commits only: what Git said in between was never applied.
  const synced = new Set(syncs.map((x) => x.commit));
  const manifests = renderedAt(
    git.trees,
    (i) => (synced.has(i) ? app : undefined),
    () => [],
  );
  for (const ref of Object.keys(a.fromGit)) {
    const [kind, name] = ref.split('/') as [string, string];
    if (!steps(manifests, syncs, kind, name).length)
      throw new StoryProblem(`${path}.fromGit.${ref}`, `no sync of the app applied ${ref}`);
  }
  const last = manifests[(syncs.at(-1) as Sync).commit] ?? [];
  const stepsOf = (m: Manifest) => steps(manifests, syncs, m.kind, m.metadata.name);
  const pods = last
    .filter((m) => WORKLOADS.includes(m.kind))
    .flatMap((m) => {
      const ref = `${m.kind}/${m.metadata.name}`;
      const d = a.fromGit[ref];
      if (!d) throw new StoryProblem(`${path}.fromGit`, `Git has ${ref}: say how its pods fared`);
      return workload(w, a, stepsOf(m), ref, d, `${path}.fromGit.${ref}`);
    });
  for (const m of last) {
    if (WORKLOADS.includes(m.kind) || m.kind === 'Application') continue;
    const st = stepsOf(m);
    const o = { created: (st[0] as Step).sync.age, generation: generation(st) };
    if (m.kind === 'Service') appliedService(w, m, o, pods);
    else if (m.kind === 'CustomResourceDefinition') customResourceDefinition(w, m, o);
    else applied(w, m, o);
  }
  return pods;
}
