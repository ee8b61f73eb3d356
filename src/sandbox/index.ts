/**
 * The sandbox as one running thing: the world of a scenario, its Git repositories on disk, an
 * Argo CD API per instance, a Kubernetes API per cluster, the GitHub API over the repositories,
 * and the controller that makes Argo CD and the clusters follow Git. The bot talks to it only
 * through those HTTP servers, exactly as it would talk to the real ones.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock, type Clock } from '../core/clock.ts';
import { lockDir } from '../core/dir-lock.ts';
import { createArgoServer } from './argo-api/server.ts';
import { createControlServer } from './control.ts';
import { createHookReceiver, SandboxMailbox, type ReceivedHook } from './mailbox.ts';
import { forgetRepo } from './gitrepo/read-cache.ts';
import { GitRepos, type BranchMoved } from './gitrepo/repos.ts';
import type { SandboxCi } from './github-api/ci.ts';
import { createGitHubServer } from './github-api/server.ts';
import type { SandboxServer } from './http.ts';
import { createKubeServer } from './kube-api/server.ts';
import { createRegistryServer } from './registry-api/server.ts';
import { assessHealth } from './reconciler/assess.ts';
import { ImageUpdaterSim, type UpdaterMove } from './image-updater.ts';
import { GitOpsController } from './reconciler/controller.ts';
import { resolveRevisions } from './revisions.ts';
import { FaultsSchema, type Faults, type KubeObject, type Scenario } from './scenario.ts';
import { simulationView } from './simulation.ts';
import { World } from './world.ts';

const SANDBOX_APP_ID = 1001;

/**
 * The sandbox GitHub App's key pair: the private key in the data dir (the bot reads it, as it
 * would a key GitHub generated), made once and kept across restarts; the public key for the server.
 */
function appPublicKey(privateKeyFile: string): string {
  if (!existsSync(privateKeyFile)) {
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(privateKeyFile, privateKey, { mode: 0o600 });
  }
  return createPublicKey(readFileSync(privateKeyFile, 'utf8')).export({
    type: 'spki',
    format: 'pem',
  }) as string;
}

export interface SandboxOptions {
  scenario: Scenario;
  /** Where the bare repositories and the pull request state live. */
  dataDir: string;
  /** First port; the servers take consecutive ports from it. 0 picks free ports. */
  port?: number;
  clock?: Clock;
  /** How long an Argo CD operation takes (real Argo CD: seconds). */
  syncDelayMs?: number;
  /** Multiplies simulated pod start-up and crash timings: 1 is real time. */
  timeScale?: number;
  /** How often to look for `git push`es into the repositories from outside (ms; 0: never). */
  gitPollMs?: number;
}

/** Every server's address and credentials, as `sandbox.json` holds them (see DESIGN.md). */
export interface SandboxInfo {
  scenario: string;
  /** `uiUrl`: where the scenario says this Argo CD's UI lives, for links (the API URL otherwise). */
  argocd: { name: string; url: string; token: string; uiUrl?: string }[];
  clusters: { name: string; server: string; url: string; token: string }[];
  git: {
    url: string;
    /** A personal access token for the bot; `app` is how the demo's bot signs in instead. */
    token: string;
    /** The sandbox's GitHub App: its ID and the file with its private key. */
    app: { id: number; privateKeyFile: string };
    repos: { url: string; path: string }[];
  };
  /** The scenario's container registries, each at its own address (anonymous, read-only). */
  registries: { host: string; url: string }[];
  control: { url: string; token: string };
  /** Where the demo's notifications arrive: an SMTP relay, and a webhook receiver (mailbox.ts). */
  mail: { host: string; port: number; user: string; password: string };
  hooks: { url: string; secret: string };
}

export type FaultTarget = `argocd/${string}` | `cluster/${string}` | `registry/${string}` | 'git';

/** Fault knobs for a server that has no world state of its own to carry them. */
function knobs(): { faults: Faults; setFaults(f: Partial<Faults>): Faults } {
  const k = {
    faults: FaultsSchema.parse({}),
    setFaults(f: Partial<Faults>): Faults {
      k.faults = FaultsSchema.parse({ ...k.faults, ...f });
      return k.faults;
    },
  };
  return k;
}

/**
 * Files at a commit never change, and a merge makes every app of the repository read the same
 * commit: keep the last few snapshots (branch names are not cached, they move).
 */
function snapshotCache(
  read: (url: string, rev: string) => Promise<Map<string, string>>,
): (url: string, rev: string) => Promise<Map<string, string>> {
  const kept = new Map<string, Promise<Map<string, string>>>();
  return (url, rev) => {
    if (!/^[0-9a-f]{40}$/.test(rev)) return read(url, rev);
    const key = `${url}@${rev}`;
    let hit = kept.get(key);
    if (!hit) {
      hit = read(url, rev);
      kept.set(key, hit);
      hit.catch(() => kept.delete(key));
      if (kept.size > 16) kept.delete(kept.keys().next().value as string);
    }
    return hit;
  };
}

const newToken = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

/** Revision expressions in the scenario (HEAD~1, a branch) become the shas the repositories hold. */
async function resolveScenarioRevisions(scenario: Scenario, repos: GitRepos): Promise<Scenario> {
  const wanted = new Set<string>();
  const key = (url: string, expr: string) => `${url}\u0000${expr}`;
  for (const i of scenario.argocd)
    for (const a of i.applications)
      resolveRevisions(a, (url, expr) => {
        wanted.add(key(url, expr));
        return undefined;
      });
  const byRepo = new Map<string, string[]>();
  for (const k of wanted) {
    const [url, expr] = k.split('\u0000') as [string, string];
    byRepo.set(url, [...(byRepo.get(url) ?? []), expr]);
  }
  const shas = new Map<string, string>();
  await Promise.all(
    [...byRepo].map(async ([url, exprs]) => {
      for (const [expr, sha] of await repos.resolveMany(url, exprs)) shas.set(key(url, expr), sha);
    }),
  );
  return {
    ...scenario,
    argocd: scenario.argocd.map((i) => ({
      ...i,
      applications: i.applications.map((a) => resolveRevisions(a, (url, expr) => shas.get(key(url, expr)))),
    })),
  };
}

export class Sandbox {
  readonly world: World;
  readonly repos: GitRepos;
  readonly controller: GitOpsController;
  /** Argo CD Image Updater with write-back argocd, run on demand (`runImageUpdater`). */
  readonly imageUpdater: ImageUpdaterSim;
  readonly info: SandboxInfo;
  /** What the bot mailed, and what it sent to the webhook receiver. */
  readonly mailbox: SandboxMailbox;
  readonly hooks: { received: ReceivedHook[] };
  private readonly servers: Map<string, SandboxServer>;
  private readonly faultSources: Map<string, { faults: Faults; setFaults(f: Partial<Faults>): Faults }>;
  private readonly release: () => void;

  constructor(parts: {
    world: World;
    repos: GitRepos;
    controller: GitOpsController;
    info: SandboxInfo;
    servers: Map<string, SandboxServer>;
    faultSources: Map<string, { faults: Faults; setFaults(f: Partial<Faults>): Faults }>;
    mailbox: SandboxMailbox;
    hooks: { received: ReceivedHook[] };
    /** Gives the data directory back: the last step of stop. */
    release: () => void;
  }) {
    this.mailbox = parts.mailbox;
    this.hooks = parts.hooks;
    this.release = parts.release;
    this.world = parts.world;
    this.repos = parts.repos;
    this.controller = parts.controller;
    this.imageUpdater = new ImageUpdaterSim(parts.world.scenario.registries);
    this.info = parts.info;
    this.servers = parts.servers;
    this.faultSources = parts.faultSources;
  }

  /** The conclusion of the sandbox CI's later runs of `check`; how many repositories' checks it set. */
  setCiConclusion(check: string, conclusion: 'success' | 'failure', repoURL?: string): number {
    const github = this.servers.get('git') as { ci?: SandboxCi } | undefined;
    return github?.ci?.setConclusion(check, conclusion, repoURL) ?? 0;
  }

  /** One pass of Image Updater over every Argo CD instance; the apps it changed sync as Argo CD would. */
  async runImageUpdater(): Promise<UpdaterMove[]> {
    const moves: UpdaterMove[] = [];
    for (const instance of this.world.instances)
      moves.push(
        ...(await this.imageUpdater.run(instance, (app) =>
          this.controller.specChanged(instance, app as Parameters<GitOpsController['specChanged']>[1]),
        )),
      );
    return moves;
  }

  targets(): string[] {
    return [...this.faultSources.keys()];
  }

  /** A server's fault knobs as they are now. */
  faults(target: string): Faults | undefined {
    return this.faultSources.get(target)?.faults;
  }

  /** Change a server's fault knobs at run time; `down` really stops (or restarts) listening. */
  async setFaults(target: string, faults: Partial<Faults>): Promise<Faults> {
    const source = this.faultSources.get(target);
    const server = this.servers.get(target);
    if (!source || !server)
      throw new Error(`unknown sandbox target ${target}; known: ${this.targets().join(', ')}`);
    const next = source.setFaults(faults);
    if (next.down && server.listening) await server.down();
    if (!next.down && !server.listening) await server.up();
    return next;
  }

  async stop(): Promise<void> {
    this.controller.stop();
    try {
      await Promise.all([...this.servers.values()].map((s) => s.close()));
    } finally {
      // What the repositories answered is of no use once the world is gone (a process that
      // starts many worlds, the tests, would keep it all).
      for (const r of this.repos.all()) forgetRepo(r.git.dir);
      this.release();
    }
  }
}

/** What a person who wants a second world next to the first one does. */
export const SECOND_WORLD_HINT =
  'Stop it first, or run a second world in another directory: npm start -- --data-dir .deckhand/sandbox-2 --port 8081 (deckhand sandbox --data-dir <dir> for the world alone).';

/**
 * Start a world in `dataDir`. The directory is locked before anything in it is touched: a second
 * start against it is refused with who holds it. A server that cannot listen stops the start, and
 * whatever had started is closed again.
 */
export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dataDir = resolve(opts.dataDir);
  const lock = lockDir(dataDir, `the sandbox world "${opts.scenario.metadata.name}"`, SECOND_WORLD_HINT);
  const servers = new Map<string, SandboxServer>();
  try {
    return await open(opts, dataDir, servers, lock.release);
  } catch (e) {
    await Promise.allSettled([...servers.values()].map((s) => s.close()));
    lock.release();
    throw e;
  }
}

async function open(
  opts: SandboxOptions,
  dataDir: string,
  servers: Map<string, SandboxServer>,
  release: () => void,
): Promise<Sandbox> {
  const clock = opts.clock ?? systemClock;
  // A sandbox starts as its scenario says: repositories and pull requests of an earlier run go.
  rmSync(join(dataDir, 'repos'), { recursive: true, force: true });
  rmSync(join(dataDir, 'github-state.json'), { force: true });
  mkdirSync(dataDir, { recursive: true });
  // Tokens the scenario does not fix are new for every start, like real credentials.
  const input: Scenario = {
    ...opts.scenario,
    argocd: opts.scenario.argocd.map((i) => ({ ...i, token: i.token ?? newToken('argocd') })),
    clusters: opts.scenario.clusters.map((c) => ({ ...c, token: c.token ?? newToken('kube') })),
  };
  const shiftMs = input.now ? clock.now() - Date.parse(input.now) : 0;
  const repos = new GitRepos(dataDir);
  await repos.seed(input.git, shiftMs);
  const scenario = await resolveScenarioRevisions(input, repos);
  const world = new World(scenario, clock);

  const controller = new GitOpsController({
    world,
    git: { files: snapshotCache((url, rev) => repos.files(url, rev)) },
    sim: simulationView(scenario.simulation),
    timing: {
      scale: opts.timeScale ?? 1,
      setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
      now: () => clock.now(),
    },
    assess: (app, cluster) => assessHealth(world, app, cluster),
  });
  controller.start();
  repos.on('branch-moved', (e: BranchMoved) => {
    const repo = repos.get(e.url);
    if (repo) void controller.onBranchMoved(e.url, e.branch, e.to, repo.defaultBranch).catch(() => undefined);
  });
  let pushes: { stop(): void } | undefined;

  let nextPort = opts.port ?? 0;
  const port = () => (nextPort ? nextPort++ : 0);
  const faultSources = new Map<string, { faults: Faults; setFaults(f: Partial<Faults>): Faults }>();
  const info: SandboxInfo = {
    scenario: scenario.metadata.name,
    argocd: [],
    clusters: [],
    git: {
      url: '',
      token: newToken('github'),
      app: { id: SANDBOX_APP_ID, privateKeyFile: join(dataDir, 'github-app-key.pem') },
      repos: [],
    },
    registries: [],
    control: { url: '', token: newToken('control') },
    mail: { host: '127.0.0.1', port: 0, user: '', password: '' },
    hooks: { url: '', secret: newToken('hooks') },
  };

  for (const instance of world.instances) {
    const server = createArgoServer(world, instance, {
      revisions: { metadata: (url, rev) => repos.metadata(url, rev) },
      hook: {
        sync: (inst, name, ns, run) =>
          controller.sync(inst, name, ns, run.revision, run.initiatedBy, run.revisions),
        resolve: (url, rev) => repos.resolve(url, rev),
      },
      syncDelayMs: opts.syncDelayMs,
      desired: async (app) => {
        const src = (app.spec as { source?: { repoURL?: string; targetRevision?: string; chart?: string } })
          .source;
        if (!src?.repoURL || src.chart || !repos.get(src.repoURL)) return undefined;
        const sha = await repos.resolve(src.repoURL, src.targetRevision || 'HEAD');
        if (!sha) return undefined;
        const r = await controller.render(app as Parameters<GitOpsController['render']>[0], sha);
        return { manifests: r.manifests as KubeObject[], complete: r.complete };
      },
    });
    const url = await server.listen(port());
    const uiUrl = instance.uiUrl;
    instance.uiUrl ??= url;
    servers.set(`argocd/${instance.name}`, server);
    faultSources.set(`argocd/${instance.name}`, instance);
    info.argocd.push({ name: instance.name, url, token: instance.token, ...(uiUrl ? { uiUrl } : {}) });
  }
  for (const cluster of world.clusters) {
    const server = createKubeServer(cluster);
    const url = await server.listen(port());
    servers.set(`cluster/${cluster.name}`, server);
    faultSources.set(`cluster/${cluster.name}`, cluster);
    info.clusters.push({ name: cluster.name, server: cluster.server, url, token: cluster.token });
  }
  const gitFaults = knobs();
  const github = createGitHubServer(repos, {
    token: info.git.token,
    stateFile: join(dataDir, 'github-state.json'),
    clock: () => clock.now(),
    faults: gitFaults,
    // The token is a person's (the repositories' owner): the bot signs in as the App below.
    login: 'sijunkim',
    ci: new Map(
      scenario.git.flatMap((g) =>
        g.ci
          ? [
              [
                repos.get(g.url)?.url ?? g.url,
                g.ci.checks.map((c) => ({
                  name: c.name,
                  delayMs: c.seconds * 1000 * (opts.timeScale ?? 1),
                  conclusion: c.conclusion,
                })),
              ] as const,
            ]
          : [],
      ),
    ),
    // Installed on every owner of the scenario's repositories, as an organisation installs it.
    app: {
      id: SANDBOX_APP_ID,
      slug: 'deckhand-sandbox',
      publicKey: appPublicKey(info.git.app.privateKeyFile),
      installations: [...new Set(repos.all().map((r) => r.path.owner))].map((account, i) => ({
        id: 100 + i,
        account,
      })),
    },
  });
  info.git.url = await github.listen(port());
  servers.set('git', github);
  faultSources.set('git', gitFaults);
  info.git.repos = repos.all().map((r) => ({ url: r.url, path: r.git.dir }));

  for (const r of scenario.registries) {
    const registryFaults = knobs();
    if (r.faults) registryFaults.setFaults(r.faults);
    const server = createRegistryServer(r, shiftMs, registryFaults);
    info.registries.push({ host: r.host, url: await server.listen(port()) });
    servers.set(`registry/${r.host}`, server);
    faultSources.set(`registry/${r.host}`, registryFaults);
  }

  // What the bot sends beyond chat arrives here: mail through a relay, webhooks to a receiver.
  const mailbox = new SandboxMailbox();
  info.mail = {
    host: '127.0.0.1',
    port: await mailbox.listen(),
    user: mailbox.user,
    password: mailbox.password,
  };
  servers.set('mail', { close: () => mailbox.close() } as unknown as SandboxServer);
  const hooks = createHookReceiver(info.hooks.secret);
  info.hooks.url = `${await hooks.listen(port())}/deckhand`;
  servers.set('hooks', hooks);

  const sandbox = new Sandbox({
    world,
    mailbox,
    hooks,
    repos,
    controller,
    info,
    servers,
    faultSources,
    release: () => {
      pushes?.stop();
      release();
    },
  });
  const control = createControlServer(sandbox, info.control.token);
  info.control.url = await control.listen(port());
  servers.set('control', control);
  // Started last: a start that fails before this leaves nothing looking at the repositories.
  if (opts.gitPollMs !== 0) pushes = repos.watch(opts.gitPollMs ?? 2_000);
  return sandbox;
}
