/**
 * InitContainerFailure: an init container crashes (Init:CrashLoopBackOff, Init:Error), so the app
 * containers never start. Argo CD keeps such pods Progressing because its pod health ignores
 * initContainerStatuses (corpus, mode 13), so this rule reads them itself. OOM kills, pull and
 * config errors of init containers belong to those categories' rules.
 */
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, conditionLine, eventLine, logLines, terminatedLine } from '../evidence.ts';
import { previousImage } from '../history.ts';
import { containerWord, containers, imageOf, podDraft } from './pods.ts';

export const initContainerRule = (ctx: Ctx): Draft[] =>
  containers(ctx).flatMap((v) => {
    const { pod, status, init } = v;
    if (!init) return [];
    const waiting = status.state?.waiting;
    const failedNow = status.state?.terminated && status.state.terminated.exitCode !== 0;
    const looping = waiting?.reason === 'CrashLoopBackOff' || waiting?.reason === 'RunContainerError';
    if (!looping && !failedNow) return [];
    const t = failedNow ? status.state?.terminated : status.lastState?.terminated;
    if (t?.reason === 'OOMKilled') return [];
    const logs = ctx.logs(pod, status.name);
    const lines = logLines(failedNow ? logs.current : (logs.previous ?? logs.current));
    const d = podDraft(ctx, pod, 'InitContainerFailure', 'critical', status.name);
    d.summary =
      `${containerWord(v)} fails${t ? ` with exit code ${t.exitCode}` : ''}, so the pod never starts` +
      (lines.length ? `: ${clip(lines.at(-1) ?? '', 120)}` : '');
    d.detail = status.restartCount > 0 ? `restarted ${status.restartCount} times` : undefined;
    d.weight = status.restartCount;
    const initialized = pod.status?.conditions?.find((c) => c.type === 'Initialized' && c.status === 'False');
    d.evidence = [
      ...(waiting
        ? [clip(`state.waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`)]
        : []),
      ...(t ? [terminatedLine(failedNow ? 'state' : 'lastState', t, ctx.now)] : []),
      ...(initialized ? [conditionLine('Pod', initialized)] : []),
      ...ctx
        .podEvents(pod, 'BackOff', status.name)
        .slice(0, 1)
        .map((e) => eventLine(e, ctx.now)),
      ...lines.map((l) => `log: ${l}`),
    ];
    // Only a fresh image change is worth undoing; otherwise the cause is in config or a dependency.
    const before = previousImage(ctx, ctx.workloadOf(pod), status.name, imageOf(pod, status.name), true);
    if (before) d.fix = { intent: 'image', params: { container: status.name, image: before } };
    return [d];
  });
