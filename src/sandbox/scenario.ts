/**
 * Scenario files: a whole world described as plain API objects — Argo CD Applications as the
 * Argo CD API returns them, Kubernetes objects as the API server returns them, pod logs, and Git
 * repositories with their files — so a scenario can be built from a real cluster's
 * `kubectl get -o yaml` and `argocd app get -o json` and replayed offline. A file may instead be a
 * story (`kind: Story`): a small world said as what happened, which ./story/ expands into one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CORE_SCHEMA, load, YAMLException } from 'js-yaml';
import { z } from 'zod';
import { CiSchema } from './ci-schema.ts';
import { formatPath } from '../core/config/load.ts';
import { SimulationSchema } from './simulation.ts';
import { recordingReads, stamp } from './story/files.ts';
import { expandStory, isStory, StoryError } from './story/index.ts';

/** Fault knobs of one sandbox server, settable in the scenario and at run time. */
export const FaultsSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(120_000).default(0).describe('added to every response'),
  errorRate: z.number().min(0).max(1).default(0).describe('share of requests answered 503'),
  down: z.boolean().default(false).describe('refuse connections as if the server were gone'),
  seed: z
    .number()
    .int()
    .optional()
    .describe('make errorRate pick its failures from a seeded sequence, the same on every run'),
});
export type Faults = z.output<typeof FaultsSchema>;

const KubeObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    ownerReferences: z
      .array(
        z.looseObject({
          apiVersion: z.string(),
          kind: z.string(),
          name: z.string(),
          uid: z.string().optional(),
        }),
      )
      .optional(),
    creationTimestamp: z.string().optional(),
  }),
});
export type KubeObject = z.output<typeof KubeObject> & Record<string, unknown>;

// Only what the sandbox needs to place an app is required: an Application taken from anywhere
// (a bug report, a client's fixture) loads as it is and goes on the wire as Argo CD marshals it.
const Application = z.looseObject({
  apiVersion: z.string().default('argoproj.io/v1alpha1'),
  kind: z.string().default('Application'),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().default('argocd') }),
  spec: z
    .looseObject({
      project: z.string().default('default'),
      destination: z
        .looseObject({
          server: z.string().optional(),
          name: z.string().optional(),
          namespace: z.string().optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  status: z.looseObject({}).optional(),
});
export type ScenarioApplication = z.output<typeof Application> & Record<string, unknown>;

/** One image tag of a sandbox registry: what newest-build and semver pick by, and its labels. */
const RegistryImage = z.strictObject({
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/, 'a tag as the distribution spec allows it'),
  created: z.string().datetime({ offset: true }).optional().describe("the image config's build time"),
  labels: z.record(z.string(), z.string()).optional(),
  platforms: z.array(z.string().regex(/^[a-z0-9]+\/[a-z0-9]+$/, 'os/arch')).optional(),
});

export const ScenarioSchema = z.strictObject({
  apiVersion: z.literal('deckhand.dev/v1alpha1'),
  kind: z.literal('Scenario'),
  metadata: z.strictObject({ name: z.string().min(1), description: z.string().optional() }),
  /** Pretend "now" for the world: timestamps in objects are read relative to it. */
  now: z.string().datetime({ offset: true }).optional(),
  argocd: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
        /** The Argo CD UI address used in links; the sandbox's own URL when absent. */
        url: z.string().optional(),
        /**
         * Namespaces besides `argocd` whose Applications this Argo CD serves (its
         * `application.namespaces` setting: names or /regexp/). Absent: every namespace that holds
         * one of the scenario's applications.
         */
        applicationNamespaces: z.array(z.string()).optional(),
        /**
         * Assess child Applications' health in an App of Apps, as the Lua customization in Argo CD's
         * health docs does; off by default, as in Argo CD since 1.8.
         */
        applicationHealth: z.boolean().optional(),
        token: z.string().optional(),
        applications: z.array(Application).default([]),
        faults: FaultsSchema.optional(),
      }),
    )
    .default([]),
  clusters: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        /** Matches spec.destination.server of the applications deployed to it. */
        server: z.string().min(1),
        token: z.string().optional(),
        objects: z.array(KubeObject).default([]),
        logs: z
          .record(
            z
              .string()
              .regex(/^[^/]+\/[^/]+\/[^/#]+(#previous)?$/, '<namespace>/<pod>/<container>[#previous]'),
            z.string(),
          )
          .default({}),
        faults: FaultsSchema.optional(),
      }),
    )
    .default([]),
  git: z
    .array(
      z.strictObject({
        /** Matches spec.source.repoURL of the applications that track it. */
        url: z.string().min(1),
        branch: z.string().default('master'),
        files: z.record(z.string(), z.string()).default({}),
        /** Earlier commits, oldest first, so history and reverts have something to work with. */
        history: z
          .array(
            z.strictObject({
              message: z.string(),
              author: z.string().default('deckhand-sandbox <sandbox@deckhand.dev>'),
              date: z.string().optional(),
              files: z.record(z.string(), z.string().nullable()),
            }),
          )
          .default([]),
        ci: CiSchema.optional(),
      }),
    )
    .default([]),
  /** Container registries (read-only), one server per host, for tag lookups and image bumps. */
  registries: z
    .array(
      z.strictObject({
        /** The registry as image references name it: ghcr.io, docker.io, registry.lan:5000. */
        host: z.string().min(1),
        images: z
          .array(
            z.strictObject({
              /** The path within the registry: sijunkim/flash-api (docker.io/library/… for official images). */
              repository: z.string().min(1),
              tags: z.array(RegistryImage).default([]),
            }),
          )
          .default([]),
        faults: FaultsSchema.optional(),
      }),
    )
    .default([]),
  /** How the simulated world behaves when Git changes (used by the reconciler). */
  simulation: SimulationSchema.prefault({}),
});

export type Scenario = z.output<typeof ScenarioSchema>;

export class ScenarioError extends Error {
  readonly problems: string[];
  constructor(file: string, problems: string[]) {
    super(`Invalid scenario ${file}:\n${problems.map((p) => '  ' + p).join('\n')}`);
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

/**
 * Scenarios are data, often megabytes of it (2,000 applications are ~6 MB), so they are read with
 * js-yaml, several times faster than the comment-preserving `yaml` package the bot uses for
 * manifests. The core schema keeps timestamps as strings, as the APIs return them.
 */
function readYaml(text: string, file: string): unknown {
  try {
    return load(text, { schema: CORE_SCHEMA, filename: file });
  } catch (e) {
    if (e instanceof YAMLException)
      throw new ScenarioError(file, [`line ${(e.mark?.line ?? 0) + 1}: ${e.reason}`]);
    throw e;
  }
}

/** A story document (`kind: Story`, see ./story/) as the scenario it tells. */
function expanded(doc: unknown, file: string): unknown {
  if (!isStory(doc)) return doc;
  try {
    return expandStory(doc, file === DEFAULT_NAME ? undefined : dirname(resolve(file)));
  } catch (e) {
    if (e instanceof StoryError) throw new ScenarioError(file, e.problems);
    throw e;
  }
}

const DEFAULT_NAME = '(scenario)';

/** A scenario from its text; `file` names it in problems, and is where a story's files are found beside it. */
export function parseScenario(text: string, file = DEFAULT_NAME): Scenario {
  return parse(text, file).scenario;
}

function parse(text: string, file: string): { scenario: Scenario; story: boolean } {
  const doc = readYaml(text, file);
  const parsed = ScenarioSchema.safeParse(expanded(doc, file));
  if (!parsed.success) {
    throw new ScenarioError(
      file,
      parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
    );
  }
  const s = parsed.data;
  const problems: string[] = [];
  const servers = new Set(s.clusters.map((c) => c.server));
  s.argocd.forEach((inst, i) =>
    inst.applications.forEach((app, j) => {
      const server = app.spec.destination.server;
      if (server && servers.size && !servers.has(server)) {
        problems.push(
          `argocd.${i}.applications.${j}.spec.destination.server: no cluster with server ${server}`,
        );
      }
    }),
  );
  if (problems.length) throw new ScenarioError(file, problems);
  return { scenario: s, story: isStory(doc) };
}

/**
 * Scenarios read before, by file and content: a process that starts many sandboxes (the tests)
 * reads the same few files, and the demo's story takes a fifth of a second to expand. A story is
 * kept with the files and folders it read beside it, and read again when any of them changed.
 */
const known = new Map<string, { scenario: Scenario; stamps: [string, string][] }>();
const KNOWN_MAX = 8;

export function loadScenario(file: string): Scenario {
  const text = readFileSync(file, 'utf8');
  const key = `${resolve(file)}\0${createHash('sha256').update(text).digest('hex')}`;
  const seen = known.get(key);
  if (seen && seen.stamps.every(([path, was]) => stamp(path) === was)) return structuredClone(seen.scenario);
  const { value, reads } = recordingReads(() => parse(text, file));
  known.delete(key);
  known.set(key, { scenario: structuredClone(value.scenario), stamps: reads });
  if (known.size > KNOWN_MAX) known.delete(known.keys().next().value as string);
  return value.scenario;
}
