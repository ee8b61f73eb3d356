/**
 * From a rule's action and the finding it matched to the concrete change, as a GitOps intent:
 * the new memory or cpu limit (the current one × factor or + step, never above the rule's max),
 * the next replica count within min/max, a restart, or the image that ran before. The current
 * values come from the workload as Git wants it (Argo CD's target state, else the live object);
 * for memory the finding's summary is the fallback. When the rule cannot go further — already at
 * its max, nothing to raise, no earlier image — the answer says why, so a person can decide.
 */
import type { Finding } from '../diagnosis/index.ts';
import type { ChangeIntent } from '../gitops-pr/index.ts';
import type { RuleAction } from './config.ts';
import { formatQuantity, parseQuantity } from './quantity.ts';

interface Container {
  name: string;
  image?: string;
  resources?: { limits?: Record<string, string>; requests?: Record<string, string> };
}

/** The parts of a Deployment/StatefulSet the computation reads. */
export interface Workload {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: Container[]; initContainers?: Container[] } };
  };
}

export type PlannedChange =
  | {
      ok: true;
      intent: ChangeIntent;
      /** "raise the memory limit of container naver-news from 512Mi to 768Mi" */
      what: string;
      /** For a button label: "memory limit 768Mi". */
      short: string;
    }
  | { ok: false; why: string };

const MEMORY_IN_SUMMARY = /\bits (\d+(?:\.\d+)?(?:Ki|Mi|Gi|Ti|k|M|G|T)?) memory limit\b/;
const PREVIOUS_IMAGE = /^previous image: (\S+)$/;
const Mi = 1024 ** 2;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function containersOf(w: Workload | undefined): Container[] {
  const spec = w?.spec?.template?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
}

/** A whole number of Gi reads best as Gi (1Gi, not 1024Mi); else the manifest's own unit. */
function format(v: number, kind: 'memory' | 'cpu', like: string): string {
  if (kind === 'memory' && v >= 1024 * Mi && v % (1024 * Mi) === 0) return `${v / (1024 * Mi)}Gi`;
  return formatQuantity(v, kind, like);
}

/** Round a raised quantity up to a number a person would write: whole Mi, whole millicores. */
function roundUp(v: number, kind: 'memory' | 'cpu'): number {
  if (kind === 'cpu') return Math.ceil(v);
  return v >= Mi ? Math.ceil(v / Mi) * Mi : Math.ceil(v);
}

function resources(
  a: Extract<RuleAction, { kind: 'resources' }>,
  f: Finding,
  w: Workload | undefined,
): PlannedChange {
  const kind = a.resource;
  const containers = containersOf(w);
  const name = f.resource.container ?? containers[0]?.name;
  const c = containers.find((x) => x.name === name);
  const who = name ? `container ${name}` : f.resource.name;
  let currentText = c?.resources?.limits?.[kind];
  if (!currentText && !c && kind === 'memory') currentText = MEMORY_IN_SUMMARY.exec(f.summary)?.[1];
  if (!currentText)
    return {
      ok: false,
      why: c || !w ? `${who} has no ${kind} limit to raise` : `${who} is not in ${f.resource.name}`,
    };
  const current = parseQuantity(currentText, kind);
  const max = parseQuantity(a.max, kind) as number;
  if (current === undefined)
    return { ok: false, why: `the ${kind} limit of ${who} (${currentText}) is not a quantity` };
  if (current >= max)
    return {
      ok: false,
      why: `the ${kind} limit of ${who} is already ${currentText}, the rule's maximum is ${a.max}`,
    };
  const raise = (v: number) =>
    a.factor ? v * a.factor : v + (parseQuantity(a.step as string, kind) as number);
  const next = Math.min(roundUp(raise(current), kind), max);
  const capped = next === max && roundUp(raise(current), kind) > max;
  const limitText = next === max ? a.max : format(next, kind, currentText);
  const intent: Extract<ChangeIntent, { kind: 'resources' }> = {
    kind: 'resources',
    ...(name ? { container: name } : {}),
    limits: { [kind]: limitText },
  };
  let requestPart = '';
  const reqText = c?.resources?.requests?.[kind];
  const req = reqText ? parseQuantity(reqText, kind) : undefined;
  if (a.requests && reqText && req !== undefined) {
    const nextReq = Math.min(roundUp(raise(req), kind), next);
    if (nextReq > req) {
      const text = nextReq === next ? limitText : format(nextReq, kind, reqText);
      intent.requests = { [kind]: text };
      requestPart = ` and its request from ${reqText} to ${text}`;
    }
  }
  return {
    ok: true,
    intent,
    what: `raise the ${kind} limit of ${who} from ${currentText} to ${limitText}${requestPart}${capped ? ` (capped at the rule's maximum)` : ''}`,
    short: `${kind} limit ${limitText}`,
  };
}

function replicas(
  a: Extract<RuleAction, { kind: 'replicas' }>,
  f: Finding,
  w: Workload | undefined,
): PlannedChange {
  if (!w?.spec) return { ok: false, why: `the replica count of ${f.resource.name} could not be read` };
  const current = w.spec.replicas ?? 1;
  const next = Math.min(Math.max(current + a.step, a.min), a.max);
  const up = a.step > 0;
  if (up ? next <= current : next >= current)
    return {
      ok: false,
      why: `${f.resource.name} runs ${current} replica${current === 1 ? '' : 's'}; the rule's ${up ? 'maximum' : 'minimum'} is ${up ? a.max : a.min}`,
    };
  return {
    ok: true,
    intent: { kind: 'replicas', replicas: next },
    what: `scale ${f.resource.name} from ${current} to ${next} replica${next === 1 ? '' : 's'}`,
    short: `${next} replicas`,
  };
}

function imageRevert(f: Finding): PlannedChange {
  const p = f.fix?.intent === 'image' ? f.fix.params : {};
  const fromEvidence = f.evidence.map((l) => PREVIOUS_IMAGE.exec(l)?.[1]).find(Boolean);
  const image = str(p.image) ?? fromEvidence;
  const container = str(p.container) ?? f.resource.container;
  const who = container ? `container ${container}` : f.resource.name;
  if (!image) return { ok: false, why: `no earlier image of ${who} is known to have run` };
  return {
    ok: true,
    intent: { kind: 'image', image, ...(container ? { container } : {}) },
    what: `put ${who} back on ${image}, the image that ran before`,
    short: `image ${image.split('/').pop()}`,
  };
}

export function planChange(
  action: RuleAction,
  finding: Finding,
  workload: Workload | undefined,
  now: number,
): PlannedChange {
  switch (action.kind) {
    case 'resources':
      return resources(action, finding, workload);
    case 'replicas':
      return replicas(action, finding, workload);
    case 'restart':
      return {
        ok: true,
        intent: { kind: 'restart', at: new Date(now).toISOString() },
        what: `restart the pods of ${finding.resource.name} (through Git)`,
        short: 'restart',
      };
    case 'image-revert':
      return imageRevert(finding);
  }
}

/** Whether the action needs the workload object to compute its change. */
export const needsWorkload = (a: RuleAction): boolean => a.kind === 'resources' || a.kind === 'replicas';
