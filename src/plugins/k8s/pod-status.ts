/**
 * The one-word state of a pod as `kubectl get pods` prints it (CrashLoopBackOff, Init:0/2,
 * OOMKilled, Completed, …), read from its status the way kubectl's printer does.
 */
import type { V1Pod } from '@kubernetes/client-node';

export function podPhrase(pod: V1Pod): string {
  const st = pod.status;
  let reason = st?.reason ?? st?.phase ?? 'Unknown';
  const inits = pod.spec?.initContainers ?? [];
  let initializing = false;
  (st?.initContainerStatuses ?? []).forEach((c, i) => {
    if (initializing) return;
    if (c.state?.terminated?.exitCode === 0) return;
    if (c.state?.terminated) {
      reason = c.state.terminated.reason
        ? `Init:${c.state.terminated.reason}`
        : `Init:ExitCode:${c.state.terminated.exitCode}`;
      initializing = true;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
      initializing = true;
    } else {
      reason = `Init:${i}/${inits.length}`;
      initializing = true;
    }
  });
  if (!initializing) {
    let running = false;
    for (const c of [...(st?.containerStatuses ?? [])].reverse()) {
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated)
        reason = c.state.terminated.signal
          ? `Signal:${c.state.terminated.signal}`
          : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) running = true;
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (pod.metadata?.deletionTimestamp) reason = st?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export function readyCount(pod: V1Pod): string {
  const cs = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? cs.length;
  return `${cs.filter((c) => c.ready).length}/${total}`;
}

export function restarts(pod: V1Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0);
}
