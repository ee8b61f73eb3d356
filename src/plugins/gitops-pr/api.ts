/**
 * What other plugins may use of gitops besides its service token: the intents it carries out and
 * the button it handles for them, as typed values with their schemas. A leaf module (it imports no
 * other plugin), so a plugin that gitops itself depends on — argocd offers the revert button —
 * can use it without an import cycle. Buttons are stored; when one is pressed its parameters are
 * checked against these schemas, and one an older release made that no longer fits is refused.
 */
import { z } from 'zod';
import type { Intent } from './intents.ts';

/** Where the change goes when deckhand cannot tell: a workload, a file, or a values key. */
const pointed = { path: z.string().optional() };
const amounts = z.object({ memory: z.string().optional(), cpu: z.string().optional() }).optional();

/** A change gitops can make through a pull request (the shape of `Intent`). */
export const IntentSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('image'),
    image: z.string().min(1),
    container: z.string().optional(),
    ...pointed,
  }),
  z.object({ kind: z.literal('replicas'), replicas: z.number().int().min(0), ...pointed }),
  z.object({
    kind: z.literal('resources'),
    container: z.string().optional(),
    limits: amounts,
    requests: amounts,
    ...pointed,
  }),
  z.object({ kind: z.literal('restart'), at: z.string(), ...pointed }),
  z.object({ kind: z.literal('unpin'), alias: z.string().optional(), ...pointed }),
  z.object({
    kind: z.literal('promote'),
    from: z.string().min(1),
    images: z.array(z.string().min(1)),
    keys: z
      .array(
        z.object({ file: z.string().min(1), key: z.string().min(1), text: z.string(), value: z.unknown() }),
      )
      .optional(),
    ...pointed,
  }),
  z.object({
    kind: z.literal('revert'),
    commit: z.string().optional(),
    pullRequest: z.number().int().positive().optional(),
    toRevision: z.string().optional(),
  }),
]);

// The schema and the type say the same: a parsed intent is an Intent.
const sameShape = (i: z.output<typeof IntentSchema>): Intent => i;
void sameShape;

/** The button that opens a pull request reverting a change; gitops handles it. */
export const REVERT_ACTION = 'gitops.revert';

export const RevertParamsSchema = z.object({
  app: z.string(),
  instance: z.string().optional(),
  commit: z.string().optional(),
  toRevision: z.string().optional(),
  fromRevision: z.string().optional(),
  /**
   * The image to go back to when the Application itself set the image (Image Updater's write-back
   * `argocd`): a bump back, pinned, instead of a revert of Git's files.
   */
  image: z.string().optional(),
});
export type RevertParams = z.output<typeof RevertParamsSchema>;
