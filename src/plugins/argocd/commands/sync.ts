import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { code, esc, truncate } from '../../../core/message/markup.ts';
import type { Message } from '../../../core/message/model.ts';
import type { ArgoInstanceClient, AppLocator } from '../client.ts';
import { shortSha } from '../render/tone.ts';
import type { ArgoService } from '../service.ts';
import { readApplication } from '../view/app-view.ts';
import type { Application, OperationState } from '../types.ts';
import { appArg } from './status.ts';

const TERMINAL = new Set(['Succeeded', 'Failed', 'Error']);

/**
 * Wait until a new operation (one that is not `previous`, the operation state seen before asking)
 * ends, reading the app every half second. Comparing with the previous state rather than a local
 * clock keeps this right when the clocks of deckhand and Argo CD disagree. Gives up at the
 * deadline and returns the last state seen.
 */
export async function waitForOperation(
  client: ArgoInstanceClient,
  locator: AppLocator,
  previous: OperationState | undefined,
  deadlineMs: number,
  signal: AbortSignal,
): Promise<{ app: Application; done: boolean }> {
  const stop = Date.now() + deadlineMs;
  const before = previous ? JSON.stringify(previous) : undefined;
  // startedAt has second precision: two operations in one second share it. A state that differs
  // in anything (finishedAt, the operation's options, the result) or an operation seen in flight
  // tells ours from the last one; a stale read of the last one tells nothing.
  let seenRunning = false;
  let app = await client.get(locator, { signal });
  while (Date.now() < stop && !signal.aborted) {
    const op = app.status?.operationState;
    if (app.operation || op?.phase === 'Running') seenRunning = true;
    const ours = op && (seenRunning || JSON.stringify(op) !== before);
    if (ours && TERMINAL.has(op.phase) && !app.operation) return { app, done: true };
    await new Promise((r) => setTimeout(r, 500));
    app = await client.get(locator, { signal });
  }
  return { app, done: false };
}

export function operationOutcome(ref: string, app: Application, done: boolean, verb: string): Message {
  const op = app.status?.operationState;
  if (!done || !op) {
    return {
      text: `${verb} of ${ref} is still running; Argo CD will finish it. \`argo status ${ref}\` shows where it is.`,
      tone: 'info',
      data: { phase: op?.phase ?? 'Running' },
    };
  }
  // The one reading of the result: every source's revision, the resources that failed.
  const v = readApplication(app).lastOperation;
  const rev = v?.revisions.map((x) => shortSha(x)).join(', ') || shortSha(app.status?.sync?.revision);
  const failed = v?.failed ?? [];
  const ok = op.phase === 'Succeeded';
  return {
    text: ok
      ? `${ref} synced to ${rev}: ${op.message ?? 'succeeded'}`
      : `${verb} of ${ref} ${op.phase.toLowerCase()}: ${op.message ?? ''}`,
    tone: ok ? 'ok' : 'danger',
    blocks: [
      {
        type: 'text',
        text: ok
          ? `✅ ${esc(ref)} synced to ${code(rev)} — ${esc(op.message ?? 'succeeded')}`
          : `❌ ${verb} of ${esc(ref)} ${op.phase.toLowerCase()}: ${esc(truncate(op.message ?? '', 1500))}`,
      },
      ...(failed.length
        ? [
            {
              type: 'table' as const,
              title: 'Failed resources',
              table: {
                columns: ['resource', 'message'],
                rows: failed.map((f) => [`${f.kind}/${f.name}`, truncate(f.message ?? '', 200)]),
              },
            },
          ]
        : []),
    ],
    data: { phase: op.phase, message: op.message, revision: v?.revisions[0], revisions: v?.revisions ?? [] },
  };
}

export const syncCommand = (argo: ArgoService, opts: { waitMs: number }) =>
  defineCommand({
    name: 'argo sync',
    summary: 'Ask Argo CD to sync an application to Git',
    args: z.object({
      app: appArg,
      prune: z.boolean().default(false).describe('delete resources that are no longer in Git'),
      dryRun: z.boolean().default(false).describe('show what would happen, change nothing'),
    }),
    positional: ['app'],
    examples: ['argo sync naver-news', 'argo sync flash-web-dev --prune', 'argo sync naver-news --dry-run'],
    permission: 'argo.sync',
    effect: 'write',
    progress: 'Syncing…',
    async run({ args, signal, authorize, actor }) {
      const r = await argo.resolve(args.app, { signal, fresh: true });
      authorize('argo.sync', { app: r.app.metadata.name, project: r.app.spec.project });
      const previous = r.app.status?.operationState;
      await r.client.sync(r.locator, { prune: args.prune, dryRun: args.dryRun }, signal);
      const { app, done } = await waitForOperation(r.client, r.locator, previous, opts.waitMs, signal);
      const out = operationOutcome(r.ref, app, done, args.dryRun ? 'Dry-run sync' : 'Sync');
      return { ...out, data: { ...out.data, requestedBy: actor.id, dryRun: args.dryRun } };
    },
  });
