/**
 * VolumePending: a PersistentVolumeClaim that does not bind (or lost its volume). Argo CD shows a
 * Pending claim as Progressing with no message; the reason is only in the claim's events. Waiting
 * for the first consumer is normal (the consumer pod is then the one to diagnose), so only
 * failures, or a claim pending for longer than a few minutes, are reported.
 */
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { age, eventLine } from '../evidence.ts';

const PATIENCE_MS = 5 * 60_000;
const FAILING = /^(ProvisioningFailed|FailedBinding|VolumeMismatch|ClaimLost)$/;

export const volumeRule = (ctx: Ctx): Draft[] =>
  ctx.s.pvcs.flatMap((pvc): Draft[] => {
    const phase = pvc.status?.phase;
    if (phase !== 'Pending' && phase !== 'Lost') return [];
    const events = ctx.eventsAbout('PersistentVolumeClaim', pvc.metadata);
    const failing = events.filter((e) => FAILING.test(e.reason ?? ''));
    const created = pvc.metadata?.creationTimestamp?.getTime();
    const waited = created !== undefined ? ctx.now - created : 0;
    const onlyWaitingForConsumer =
      events.length > 0 && events.every((e) => e.reason === 'WaitForFirstConsumer');
    if (phase === 'Pending' && !failing.length && (waited < PATIENCE_MS || onlyWaitingForConsumer)) return [];
    const name = pvc.metadata?.name ?? '';
    const cls = pvc.spec?.storageClassName;
    const size = pvc.spec?.resources?.requests?.storage;
    const cause = failing[0]?.message ?? events[0]?.message;
    return [
      {
        category: 'VolumePending',
        severity: phase === 'Lost' || failing.length ? 'critical' : 'warning',
        resource: { kind: 'PersistentVolumeClaim', namespace: pvc.metadata?.namespace, name },
        summary:
          phase === 'Lost'
            ? `claim ${name} lost its volume`
            : `claim ${name} stays Pending${created !== undefined ? ` for ${age(waited)}` : ''}` +
              (cause ? `: ${cause}` : ''),
        evidence: [
          `storageClassName: ${cls ?? '(none: the cluster default)'}${size ? `, requests ${size}` : ''}`,
          ...(failing.length ? failing : events).slice(0, 2).map((e) => eventLine(e, ctx.now)),
        ],
      },
    ];
  });
