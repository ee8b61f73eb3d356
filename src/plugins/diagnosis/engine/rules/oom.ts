/**
 * OOMKilled: a container hit its memory limit and the kernel killed it. There is no pod event for
 * this (the corpus is explicit); the evidence is state/lastState.terminated.reason == OOMKilled,
 * the generic BackOff event, and whatever the runtime logged before dying (Java heap, etc.).
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { eventLine, logLines, terminatedLine } from '../evidence.ts';
import { Gi, formatMemory, parseMemory, raisedLimit } from '../quantity.ts';
import { containerWord, containers, podDraft } from './pods.ts';

// What a runtime prints as memory runs out (the kill itself leaves no line: SIGKILL).
const MEMORY_WORDS = /OutOfMemory|out of memory|heap|memory|\bGC\b|allocation fail/i;

/** A fix never proposes more than this on its own; above it a person decides. */
const MAX_LIMIT = 8 * Gi;

/** The cap for a raised limit: MAX_LIMIT, or less when the pod's node could not hold it. */
function capFor(ctx: Ctx, pod: V1Pod): number {
  const node = ctx.s.nodes.find((n) => n.metadata?.name === pod.spec?.nodeName);
  const allocatable = parseMemory(node?.status?.allocatable?.memory);
  // Round the node's size down to 256Mi so the proposal is a number a person would write.
  const nodeCap = allocatable ? Math.floor(allocatable / (256 * 1024 ** 2)) * 256 * 1024 ** 2 : Infinity;
  return Math.min(MAX_LIMIT, nodeCap);
}

export const oomRule = (ctx: Ctx): Draft[] =>
  containers(ctx).flatMap((v) => {
    const { pod, status } = v;
    const now = status.state?.terminated?.reason === 'OOMKilled' ? status.state.terminated : undefined;
    const last =
      status.lastState?.terminated?.reason === 'OOMKilled' ? status.lastState.terminated : undefined;
    const t = now ?? last;
    if (!t) return [];
    const d = podDraft(ctx, pod, 'OOMKilled', 'critical', status.name);
    const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
      (c) => c.name === status.name,
    );
    const limitText = spec?.resources?.limits?.memory;
    const limit = parseMemory(limitText);
    d.summary = limit
      ? `${containerWord(v)} exceeded its ${formatMemory(limit)} memory limit`
      : `${containerWord(v)} was killed for lack of memory with no memory limit set (the node ran out)`;
    d.detail = status.restartCount > 0 ? `restarted ${status.restartCount} times` : undefined;
    d.weight = status.restartCount;
    const logs = ctx.logs(pod, status.name);
    d.evidence = [
      terminatedLine(now ? 'state' : 'lastState', t, ctx.now),
      ...ctx
        .podEvents(pod, 'BackOff', status.name)
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
      ...logLines(now ? logs.current : (logs.previous ?? logs.current), 4, MEMORY_WORDS).map(
        (l) => `log: ${l}`,
      ),
    ];
    if (limit) {
      const next = raisedLimit(limit, capFor(ctx, pod));
      if (next)
        d.fix = {
          intent: 'resources',
          params: { container: status.name, limits: { memory: formatMemory(next) } },
        };
      else d.summary += ` (already at the ${formatMemory(capFor(ctx, pod))} ceiling for automatic raises)`;
    }
    return [d];
  });
