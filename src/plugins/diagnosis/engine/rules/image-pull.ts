/**
 * ImagePullError: the kubelet cannot get the image (ErrImagePull, ImagePullBackOff,
 * InvalidImageName, …). The waiting message and the "Failed to pull image" event say whether the
 * tag is missing, access is refused or the registry is down. The fix goes back to the image that
 * ran before (from the Deployment's older ReplicaSets), or reverts the newest commit.
 */
import type { Ctx } from '../context.ts';
import type { Draft } from '../draft.ts';
import { clip, eventLine } from '../evidence.ts';
import { revertWindow, previousImage, tagOf } from '../history.ts';
import type { Fix } from '../types.ts';
import { containerWord, containers, imageOf, podDraft } from './pods.ts';

const PULL_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'ErrImageNeverPull',
  'RegistryUnavailable',
  'SignatureValidationFailed',
  'ImageInspectError',
]);

type Why = 'missing' | 'ambiguous' | 'denied' | 'unreachable' | 'invalid' | 'unsigned' | 'never' | 'unknown';

/** Read the pull error the way a person would: which of the usual reasons is it? */
function classify(reason: string, text: string): Why {
  if (reason === 'InvalidImageName') return 'invalid';
  if (reason === 'SignatureValidationFailed') return 'unsigned';
  if (reason === 'ErrImageNeverPull') return 'never';
  if (/repository does not exist or may require authorization/i.test(text)) return 'ambiguous';
  if (/not found|manifest unknown|NotFound|does not exist/i.test(text)) return 'missing';
  if (/unauthorized|authentication required|denied|forbidden|\b40[13]\b/i.test(text)) return 'denied';
  if (
    reason === 'RegistryUnavailable' ||
    /no such host|i\/o timeout|connection refused|unavailable/i.test(text)
  )
    return 'unreachable';
  return 'unknown';
}

const phrase: Record<Why, string> = {
  missing: 'the tag does not exist in the registry',
  ambiguous: 'the repository does not exist or needs credentials',
  denied: 'the registry refused access (check imagePullSecrets)',
  unreachable: 'the registry cannot be reached',
  invalid: 'the image reference is not valid',
  unsigned: 'its signature did not validate',
  never: 'it is not on the node and imagePullPolicy is Never',
  unknown: 'the pull fails',
};

export const imagePullRule = (ctx: Ctx): Draft[] =>
  containers(ctx).flatMap((v) => {
    const { pod, status } = v;
    const waiting = status.state?.waiting;
    if (!waiting?.reason || !PULL_REASONS.has(waiting.reason)) return [];
    const image = imageOf(pod, status.name) ?? status.image;
    const failed = ctx
      .podEvents(pod, 'Failed', status.name)
      .filter((e) => /^Failed to pull/.test(e.message ?? ''));
    const backoff = ctx
      .podEvents(pod, 'BackOff', status.name)
      .filter((e) => /pulling image/i.test(e.message ?? ''));
    const w = classify(waiting.reason, [waiting.message, ...failed.map((e) => e.message)].join('\n'));
    const before = previousImage(ctx, ctx.workloadOf(pod), status.name, image);
    const d = podDraft(ctx, pod, 'ImagePullError', 'critical', status.name);
    d.summary =
      `${containerWord(v)} cannot pull ${image}: ${phrase[w]}` +
      (before ? `; ${tagOf(before)} ran before` : '');
    d.evidence = [
      clip(`state.waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`),
      ...failed.slice(0, 1).map((e) => eventLine(e, ctx.now)),
      ...backoff.slice(0, 1).map((e) => eventLine(e, ctx.now)),
      ...(before ? [`previous image: ${before}`] : []),
    ];
    d.fix = fixFor(ctx, w, status.name, before);
    return [d];
  });

function fixFor(ctx: Ctx, w: Why, container: string, before: string | undefined): Fix | undefined {
  // A registry outage passes by itself; a Git change would not help.
  if (w === 'unreachable') return undefined;
  if (before) return { intent: 'image', params: { container, image: before } };
  // Credentials and pull policy live beside the image, not in the commit that named it.
  if (w === 'denied' || w === 'never' || w === 'unsigned') return undefined;
  const window = revertWindow(ctx, 'rollout');
  return window ? { intent: 'revert', params: window } : undefined;
}
