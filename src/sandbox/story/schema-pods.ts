/**
 * What a story may say about pods and containers: container specs, container states, events and
 * logs (see ./schema.ts for the rest of a story).
 */
import { z } from 'zod';

/** How long ago something happened, relative to the story's `now`. */
export const Age = z.string().regex(/^\d+[smhd]$/, 'an age like 45s, 20m, 3h or 2d');
export const Labels = z.record(z.string(), z.string());
export const Count = z.number().int().min(1);

export const ContainerSchema = z.strictObject({
  /** Start from a container of the story's `containers` (by name) and change what is given here. */
  like: z.string().optional(),
  name: z.string().optional(),
  image: z.string().optional(),
  requests: Labels.optional(),
  limits: Labels.optional(),
  /** The container port named `http`. */
  port: z.number().int().optional(),
  /** HTTP paths of the readiness and liveness probes (on the port `http`). */
  readiness: z.string().optional(),
  liveness: z.string().optional(),
  env: z.array(z.looseObject({ name: z.string() })).optional(),
  args: z.array(z.string()).optional(),
});
export type ContainerInput = z.output<typeof ContainerSchema>;

const Ending = {
  reason: z.string(),
  exitCode: z.number().int(),
  /** When it ended. */
  finished: Age,
  /** When that run started; 45 seconds before it ended when absent. */
  started: Age.optional(),
  message: z.string().optional(),
};
const Term = z.strictObject(Ending);
export type Term = z.output<typeof Term>;

/** What one container is doing. */
export const StateSchema = z.discriminatedUnion('is', [
  z.strictObject({
    is: z.literal('up'),
    /** Running since; since the pod was created when absent. */
    since: Age.optional(),
    restarts: z.number().int().min(0).optional(),
    /** How the previous run ended. */
    last: Term.optional(),
    ready: z.boolean().optional(),
  }),
  z.strictObject({
    is: z.literal('crash-looping'),
    restarts: Count,
    /** The kubelet's current back-off, as it prints it (`5m0s`). */
    backoff: z.string(),
    last: Term,
    /** When the loop began (its Created/Started/BackOff events count from there); the pod's age when absent. */
    since: Age.optional(),
  }),
  z.strictObject({
    is: z.literal('waiting'),
    reason: z.string(),
    message: z.string().optional(),
    /** Whether the image was pulled (an imageID is known). */
    pulled: z.boolean().default(true),
  }),
  z.strictObject({
    is: z.literal('image-not-found'),
    /** How often the kubelet pulled and how often it backed off since the pod was created. */
    pulls: Count,
    backoffs: Count,
  }),
  z.strictObject({ is: z.literal('ended'), ...Ending }),
]);
export type State = z.output<typeof StateSchema>;

/** An Event about the object it is written under. Reason, message, source and type are derived where they can be. */
export const EventSchema = z.strictObject({
  reason: z.string(),
  message: z.string().optional(),
  type: z.enum(['Normal', 'Warning']).optional(),
  count: Count.optional(),
  /** First and last occurrence; `last` is 1m when absent, `first` is `last`. */
  first: Age.optional(),
  last: Age.optional(),
  /** The reporting component; derived from the reason and the object when absent. */
  from: z.string().optional(),
  /** The container the event is about (fieldPath spec.containers{name}). */
  container: z.string().optional(),
  /** An Unhealthy event: which probe failed and how. */
  probe: z.enum(['readiness', 'liveness']).optional(),
  answer: z.enum(['refused', 'timeout', '503']).optional(),
});
export type EventInput = z.output<typeof EventSchema>;

/** A log text, or a named start-up (the lines an app prints when it starts) followed by more lines. */
const LogText = z.union([
  z.string(),
  z.strictObject({
    start: z.enum(['spring', 'node']),
    /** Spring: the seconds of the minute Tomcat said it started (`19.877`). */
    tomcat: z.string().optional(),
    then: z.string().optional(),
  }),
]);
export type LogText = z.output<typeof LogText>;
const Logs = z.record(
  z.string(),
  z.union([LogText, z.strictObject({ current: LogText, previous: LogText.optional() })]),
);

/** A story's logs by container may also be kept in a file beside the story. */
const StoryLogText = z.union([LogText, z.strictObject({ file: z.string() })]);
export type StoryLogText = z.output<typeof StoryLogText>;
export const StoryLogs = z.record(
  z.string(),
  z.union([StoryLogText, z.strictObject({ current: StoryLogText, previous: StoryLogText.optional() })]),
);

export const PodSchema = z
  .strictObject({
    created: Age,
    /** Unset: never scheduled. */
    node: z.string().optional(),
    /** The state of a single-container pod; `containers` names them for a pod with several. Up when absent. */
    state: StateSchema.optional(),
    containers: z.record(z.string(), StateSchema).optional(),
    init: z.record(z.string(), StateSchema).optional(),
    phase: z.string().optional(),
    /** The scheduler's PodScheduled=False message. */
    unschedulable: z.string().optional(),
    /** Whether the Ready condition is True; by default, whether every container is ready. */
    ready: z.boolean().optional(),
    /** The kubelet evicted the pod: its message and when. */
    evicted: z.strictObject({ message: z.string(), at: Age }).optional(),
    events: z.array(EventSchema).default([]),
    logs: Logs.optional(),
  })
  .meta({ id: 'StoryPod' }); // described once in docs/scenario.schema.json, where lists of pods refer to it
export type PodInput = z.output<typeof PodSchema>;
