/**
 * The `simulation` section of a scenario: what the sandbox knows about the world beyond its API
 * objects, so the reconciler can decide how a rollout ends when Git changes — which images the
 * registry does not have, how much memory each workload really needs, how long it takes to start,
 * which keys each Secret holds (the bot never reads Secrets, so they are not cluster objects), and
 * what a container prints. Everything is optional: an empty section means every image pulls, every
 * workload fits its limits and every Secret key exists.
 */
import { z } from 'zod';
import { globMatch } from '../core/glob.ts';
import type { SimulationView } from './reconciler/rollout.ts';
import { bytes } from './reconciler/quantity.ts';

const Memory = z
  .string()
  .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a memory quantity such as 700Mi or 1.5Gi');

/** `<namespace>/<name>`, the way kubectl names namespaced objects. */
const NamespacedName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, '<namespace>/<name>');

export const WorkloadSimulationSchema = z.strictObject({
  memory: Memory.optional().describe(
    'memory the process really uses at its peak; a container whose limit is lower is OOMKilled',
  ),
  startupSeconds: z
    .number()
    .min(0)
    .max(3600)
    .optional()
    .describe('from container start to Ready (and to the OOM kill, a little before)'),
  startupLog: z.string().optional().describe('what the container prints when it starts'),
  oomLog: z
    .string()
    .optional()
    .describe('what a container printed before the kernel killed it (its #previous log)'),
});
export type WorkloadSimulation = z.output<typeof WorkloadSimulationSchema>;

export const SimulationSchema = z.strictObject({
  missingImages: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'image references the registry does not have (globs allowed: ghcr.io/o/app:v*); pulling them fails with NotFound',
    ),
  defaults: z
    .strictObject({
      startupSeconds: z.number().min(0).max(3600).default(5),
    })
    .default({ startupSeconds: 5 }),
  workloads: z
    .record(NamespacedName, WorkloadSimulationSchema)
    .default({})
    .describe('per Deployment or StatefulSet, keyed <namespace>/<name>'),
  secrets: z
    .record(NamespacedName, z.array(z.string().min(1)))
    .default({})
    .describe(
      'the keys each Secret holds, keyed <namespace>/<secret>; a Secret not listed is taken to hold every key',
    ),
});
export type Simulation = z.output<typeof SimulationSchema>;

/**
 * The full reference an image pull resolves, so `nginx`, `nginx:latest` and
 * `docker.io/library/nginx:latest` name the same image.
 */
export function normalizeImage(ref: string, opts: { glob?: boolean } = {}): string {
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const digest = at >= 0 ? ref.slice(at) : '';
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  // Docker's rule: the first component is a registry only when it looks like a host.
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  let full = hasRegistry ? name : `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  const colon = full.lastIndexOf(':');
  // A glob such as `ghcr.io/o/app*` may already stand for the tag.
  if (!digest && colon <= full.lastIndexOf('/') && !(opts.glob && full.includes('*'))) full += ':latest';
  return full + digest;
}

const startupLines = (workload: string, container: string) =>
  `${container}: starting ${workload}\n${container}: ready\n`;

/** The simulation as the reconciler asks it questions. */
export function simulationView(input: z.input<typeof SimulationSchema> | Simulation): SimulationView {
  const sim = SimulationSchema.parse(input);
  const missing = sim.missingImages.map((m) => normalizeImage(m, { glob: true }));
  const workload = (ns: string, name: string): WorkloadSimulation | undefined =>
    sim.workloads[`${ns}/${name}`];
  return {
    imageExists: (image) => {
      const full = normalizeImage(image);
      return !missing.some((pattern) => globMatch(pattern, full));
    },
    memoryNeeded: (ns, name) => bytes(workload(ns, name)?.memory),
    startupMs: (ns, name) => (workload(ns, name)?.startupSeconds ?? sim.defaults.startupSeconds) * 1000,
    secretKeyExists: (ns, secret, key) => {
      const keys = sim.secrets[`${ns}/${secret}`];
      return !keys || keys.includes(key);
    },
    startupLog: (ns, name, container) => workload(ns, name)?.startupLog ?? startupLines(name, container),
    // The kernel's SIGKILL leaves no last words; without a scenario log the start-up lines remain.
    oomLog: (ns, name, container) =>
      workload(ns, name)?.oomLog ?? workload(ns, name)?.startupLog ?? startupLines(name, container),
  };
}
