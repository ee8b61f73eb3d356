/**
 * NodeNotReady and Evicted: trouble of the machines under the app. A NotReady node (or one under
 * memory/disk/PID pressure) explains what its pods suffer; evicted pods are Failed leftovers the
 * Deployment has already replaced. Neither is fixable through the app's repository, except that a
 * memory eviction names the container's real usage, which is a request worth writing into Git.
 */
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, conditionLine, eventLine } from '../evidence.ts';
import { formatMemory, parseMemory, roundUpMemory } from '../quantity.ts';
import { podDraft } from './pods.ts';

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export const nodeRule = (ctx: Ctx): Draft[] => {
  const names = new Set([
    ...ctx.s.nodes.map((n) => n.metadata?.name ?? ''),
    // Nodes that could not be read still show through "Node is not ready" events on their pods.
    ...ctx.s.pods
      .filter((p) => ctx.podEvents(p, 'NodeNotReady').length && p.spec?.nodeName)
      .map((p) => p.spec?.nodeName ?? ''),
  ]);
  return [...names].filter(Boolean).flatMap((name) => {
    const node = ctx.s.nodes.find((n) => n.metadata?.name === name);
    const conds = node?.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === 'Ready');
    const pressed = conds.filter((c) => PRESSURE.includes(c.type) && c.status === 'True');
    const pods = ctx.s.pods.filter((p) => p.spec?.nodeName === name);
    const podEvents = pods.flatMap((p) => ctx.podEvents(p, /^(NodeNotReady|TaintManagerEviction)$/));
    const notReady = ready ? ready.status !== 'True' : podEvents.some((e) => e.reason === 'NodeNotReady');
    if (!notReady && !pressed.length) return [];
    const word = notReady
      ? `NotReady${ready ? ` (Ready=${ready.status})` : ''}`
      : pressed.map((c) => c.type).join(', ');
    return [
      {
        category: 'NodeNotReady',
        severity: notReady ? 'critical' : 'warning',
        resource: { kind: 'Node', name },
        summary: `node ${name} is ${word}; ${pods.length} pod${pods.length === 1 ? ' of the app runs' : 's of the app run'} there (infrastructure: not fixable through Git)`,
        evidence: [
          ...(ready && ready.status !== 'True' ? [conditionLine('Node', ready)] : []),
          ...pressed.map((c) => conditionLine('Node', c)),
          ...podEvents.slice(0, 2).map((e) => `${e.involvedObject.name}: ${eventLine(e, ctx.now)}`),
        ],
      },
    ];
  });
};

export const evictedRule = (ctx: Ctx): Draft[] =>
  ctx.s.pods
    .filter((p) => p.status?.phase === 'Failed' && p.status.reason === 'Evicted')
    .map((pod) => {
      const d = podDraft(ctx, pod, 'Evicted', 'warning');
      const message = pod.status?.message ?? '';
      const low = /low on resource: ([\w-]+)/.exec(message)?.[1];
      d.total = undefined;
      d.summary = low ? `evicted because node ${pod.spec?.nodeName ?? '?'} ran low on ${low}` : 'evicted';
      d.evidence = [
        clip(`status: Evicted: ${message}`),
        ...ctx
          .podEvents(pod, 'Evicted')
          .slice(0, 1)
          .map((e) => eventLine(e, ctx.now)),
      ];
      // "Container app was using 1200Mi, request is 256Mi": request what it really uses.
      const use =
        /Container (\S+) was using (\S+?), request is (\S+?)[,.]/.exec(message) ??
        /Container (\S+) was using (\S+?), which exceeds its request of (\S+?)\./.exec(message);
      const using = parseMemory(use?.[2]);
      if (low === 'memory' && use && using) {
        // Never above the limit: a request over the limit is rejected by the API server.
        const limit = parseMemory(
          pod.spec?.containers?.find((c) => c.name === use[1])?.resources?.limits?.memory,
        );
        const want = Math.min(roundUpMemory(using), limit ?? Infinity);
        if (want > (parseMemory(use[3]) ?? 0))
          d.fix = {
            intent: 'resources',
            params: { container: use[1], requests: { memory: formatMemory(want) } },
          };
      }
      return d;
    });
