/**
 * CrashLoopBackOff: the kubelet's retry state for a container that keeps exiting. The cause is in
 * lastState.terminated and the previous container's log; the fix depends on it. A restart only
 * helps a container that trips over a passing outage (or a few stuck replicas), never a broken
 * image or configuration; a crash that began with a new image goes back to the image that ran.
 */
import type { V1ContainerStateTerminated } from '@kubernetes/client-node';
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, eventLine, logLines, terminatedLine } from '../evidence.ts';
import { previousImage } from '../history.ts';
import type { Fix } from '../types.ts';
import { type ContainerView, containerWord, containers, imageOf, podDraft, sameTrouble } from './pods.ts';

const transient =
  /connection refused|connection reset|timed? ?out|no route to host|temporary failure in name resolution|no such host|service unavailable|\b503\b|too many connections|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/i;
// Words of a configuration or packaging mistake: restarting repeats it.
const misconfigured =
  /no such file|not found|permission denied|invalid|missing|required|must be set|not set|unknown (flag|option|command)|parse|syntax|exec format error|undefined|is not defined/i;

/** Why the container stopped, in a few words, from its last termination. */
function why(t: V1ContainerStateTerminated | undefined, lastLog: string | undefined): string {
  if (!t) return 'keeps exiting';
  if (t.reason === 'OOMKilled') return 'is killed for exceeding its memory limit, again and again';
  if (t.reason === 'Completed' || t.exitCode === 0)
    return 'exits with code 0 and is restarted: its command ends instead of running in the foreground';
  if (t.reason === 'StartError' || t.exitCode === 128)
    return `cannot start its process${t.message ? `: ${clip(t.message, 120)}` : ''}`;
  if (t.exitCode === 127) return 'fails with exit code 127: its command was not found in the image';
  if (t.exitCode === 126) return 'fails with exit code 126: its command is not executable';
  return `crashes with exit code ${t.exitCode}${lastLog ? `: ${clip(lastLog, 120)}` : ''}`;
}

export const crashLoopRule = (ctx: Ctx): Draft[] =>
  containers(ctx).flatMap((v) => {
    const { pod, status, init } = v;
    const waiting = status.state?.waiting;
    // Init containers in a crash loop are InitContainerFailure (their own rule).
    if (init || (waiting?.reason !== 'CrashLoopBackOff' && waiting?.reason !== 'RunContainerError'))
      return [];
    const last = status.lastState?.terminated;
    const logs = ctx.logs(pod, status.name);
    const lines = logLines(logs.previous ?? logs.current);
    const d = podDraft(ctx, pod, 'CrashLoopBackOff', 'critical', status.name);
    d.summary = `${containerWord(v)} ${why(last, lines.at(-1))}`;
    d.detail = status.restartCount > 0 ? `restarted ${status.restartCount} times` : undefined;
    d.weight = status.restartCount;
    d.evidence = [
      clip(`state.waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`),
      ...(last ? [terminatedLine('lastState', last, ctx.now)] : []),
      ...ctx
        .podEvents(pod, 'BackOff', status.name)
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
      ...lines.map((l) => `log: ${l}`),
    ];
    d.fix = fixFor(ctx, v, last, lines.join('\n'));
    return [d];
  });

function fixFor(
  ctx: Ctx,
  v: ContainerView,
  last: V1ContainerStateTerminated | undefined,
  log: string,
): Fix | undefined {
  // OOM kills have their own finding and fix; a clean exit or a start error is a packaging mistake.
  if (
    last?.reason === 'OOMKilled' ||
    last?.exitCode === 0 ||
    (last && [126, 127, 128].includes(last.exitCode))
  )
    return undefined;
  const current = imageOf(v.pod, v.status.name);
  const before = previousImage(ctx, ctx.workloadOf(v.pod), v.status.name, current, true);
  if (before) return { intent: 'image', params: { container: v.status.name, image: before } };
  if (misconfigured.test(log) && !transient.test(log)) return undefined;
  const { affected, total } = sameTrouble(ctx, v.pod, v.status.name, (s) =>
    ['CrashLoopBackOff', 'RunContainerError'].includes(s.state?.waiting?.reason ?? ''),
  );
  return transient.test(log) || affected < total ? { intent: 'restart', params: {} } : undefined;
}
