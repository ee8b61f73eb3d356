import { z } from 'zod';
import type { ActionService } from '../../../core/actions.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import { InputError } from '../../../core/errors.ts';
import { code, esc } from '../../../core/message/markup.ts';
import type { Button } from '../../../core/message/model.ts';
import { canonicalRepo, parseImage } from '../../../core/image-ref.ts';
import { shortSha } from '../render/tone.ts';
import type { AppView, HistoryView } from '../view/app-view.ts';
import type { ArgoService } from '../service.ts';
import { appArg } from './status.ts';
import { operationOutcome, waitForOperation } from './sync.ts';
// The button gitops handles (when it is loaded): its kind and parameters are gitops's contract.
import { REVERT_ACTION, type RevertParams } from '../../gitops-pr/api.ts';

/**
 * The image a deployment ran that the Application itself set and that differs from now: what a
 * rollback brings back. A kustomize entry's `name=` prefix is not part of the image; a Helm image
 * is its parameter group then (`image.tag`, with `image.name` when the group names the repository,
 * or one parameter holding the whole image), on the repository that group sets now.
 */
export function imageToRestore(
  v: AppView,
  current: HistoryView | undefined,
  target: HistoryView,
): string | undefined {
  const byApplication = v.images.filter((i) => i.origin === 'image-updater');
  const then = (target.images ?? []).map((e) => e.slice(e.indexOf('=') + 1));
  const now = (current?.images ?? []).map((e) => e.slice(e.indexOf('=') + 1));
  for (const i of byApplication) {
    const running = parseImage(i.image);
    const repo = canonicalRepo(running.repo);
    if (i.detail?.endsWith('.kustomize.images')) {
      const was = then.find((e) => canonicalRepo(parseImage(e).repo) === repo);
      if (was && !now.includes(was) && was !== i.image) return was;
    }
    const param = i.detail?.startsWith('Helm parameter ')
      ? i.detail.slice('Helm parameter '.length)
      : undefined;
    const was = param ? helmImageThen(target.helmParameters ?? [], param, running.repo) : undefined;
    if (was && was !== i.image && canonicalRepo(parseImage(was).repo) === repo) return was;
  }
  return undefined;
}

/** The image a Helm parameter group gave then: a whole image, or the repository with the tag it had. */
function helmImageThen(
  params: { name: string; value: string }[],
  name: string,
  repo: string,
): string | undefined {
  const value = params.find((p) => p.name === name)?.value;
  if (!value) return undefined;
  if (/(^|\.)(tag|version)$/i.test(name))
    return /^sha256:/.test(value) ? `${repo}@${value}` : `${repo}:${value}`;
  return parseImage(value).tag || parseImage(value).digest ? value : undefined;
}

/** Image Updater commits this app's image to Git (write-back git): Argo CD's rollback would not last. */
const writtenToGit = (v: AppView) =>
  v.images.some((i) => i.origin === 'image-updater' && !!i.detail?.startsWith('written to Git'));

export const rollbackCommand = (argo: ArgoService, actions: ActionService, opts: { waitMs: number }) =>
  defineCommand({
    name: 'argo rollback',
    summary: 'Go back to an earlier deployment (a revert pull request when auto-sync is on)',
    args: z.object({
      app: appArg,
      id: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('history id (argo history); default: the previous deployment'),
    }),
    positional: ['app', 'id'],
    examples: ['argo rollback naver-news', 'argo rollback friend-app 1'],
    permission: 'argo.sync',
    effect: 'write',
    progress: 'Rolling back…',
    async run({ args, signal, authorize, button }) {
      const r = await argo.resolve(args.app, { signal, fresh: true });
      authorize('argo.sync', { app: r.app.metadata.name, project: r.app.spec.project });
      const history = r.view.history;
      const current = history[0];
      const target = args.id === undefined ? history[1] : history.find((h) => h.id === args.id);
      if (!target) {
        throw new InputError(
          args.id === undefined
            ? `${r.ref} has no earlier deployment to go back to.`
            : `${r.ref} has no deployment with id ${args.id}. \`argo history ${r.ref}\` lists them.`,
        );
      }
      // An image the Application sets (Image Updater's write-back argocd) is not in Git's files:
      // going back to it is a bump back with a pin, whatever auto-sync says.
      const image = imageToRestore(r.view, current, target);
      if (image && actions.handler(REVERT_ACTION)) {
        const id = await button({
          kind: REVERT_ACTION,
          params: { app: r.ref, instance: r.instance, image } satisfies RevertParams,
          scope: { app: r.app.metadata.name, project: r.app.spec.project },
        });
        return {
          text: `${r.ref} ran ${image} in deployment ${target.id}; the Application sets its image, so the way back is a pull request on the Application that sets and pins it.`,
          tone: 'info',
          blocks: [
            {
              type: 'text',
              text:
                `The image of ${esc(r.ref)} is set on its Application (Image Updater's write-back argocd), not in Git's files: ` +
                `a revert would not bring ${code(image)} back, and Image Updater would move it again. ` +
                `The pull request changes the Application's manifest in its app of apps and pins ${code(image)} for Image Updater.`,
            },
          ],
          buttons: [{ actionId: id, label: 'Open rollback pull request', style: 'primary' }],
          data: { image, historyId: target.id },
        };
      }
      // (without gitops to open the pull request, Argo CD's rollback is what there is)
      const pinned = writtenToGit(r.view) && !!actions.handler(REVERT_ACTION);
      if (r.view.autoSync.enabled || pinned) {
        // Argo CD refuses a rollback while auto-sync is on, and it would be undone from Git anyway;
        // Image Updater's next commit would undo it as well.
        const buttons: Button[] = [];
        if (actions.handler(REVERT_ACTION) && current?.revisions[0]) {
          const id = await button({
            kind: REVERT_ACTION,
            params: {
              app: r.ref,
              instance: r.instance,
              toRevision: target.revisions[0],
              fromRevision: current.revisions[0],
            } satisfies RevertParams,
            scope: { app: r.app.metadata.name, project: r.app.spec.project },
          });
          buttons.push({ actionId: id, label: 'Open revert pull request', style: 'primary' });
        }
        const why = pinned
          ? `Image Updater commits ${esc(r.ref)}'s image to Git (write-back git), so an Argo CD rollback would last until its next commit. ` +
            `The pull request restores the app's files and pins the image they set with Image Updater's own allow-tags, so it stays. `
          : `${esc(r.ref)} has auto-sync on: Argo CD refuses a rollback ("rollback cannot be initiated when auto-sync is enabled"), ` +
            `and Git would bring the change back anyway. `;
        return {
          text: pinned
            ? `Image Updater writes ${r.ref}'s image to Git, so the way back is a pull request that restores it and pins it.`
            : `${r.ref} syncs automatically from Git, so the way back is a revert in Git.`,
          tone: 'info',
          blocks: [
            {
              type: 'text',
              text:
                why +
                `The GitOps way is to revert the change in Git: ` +
                `from ${code(shortSha(current?.revisions[0]))} back to ${code(shortSha(target.revisions[0]))} (deployment ${target.id}).` +
                (buttons.length
                  ? ''
                  : `\nUse ${code(`gitops revert ${r.ref}`)} to open the revert pull request.`),
            },
          ],
          buttons,
          data: {
            autoSync: r.view.autoSync.enabled,
            ...(pinned ? { pinned: true } : {}),
            from: current?.revisions[0],
            to: target.revisions[0],
            historyId: target.id,
          },
        };
      }
      const previous = r.app.status?.operationState;
      await r.client.rollback(r.locator, target.id, {}, signal);
      const { app, done } = await waitForOperation(r.client, r.locator, previous, opts.waitMs, signal);
      return operationOutcome(r.ref, app, done, `Rollback to ${target.id}`);
    },
  });
