/**
 * `gitops approve|reject|withdraw|renew <pr>`: the proposal card's buttons as commands, for chats
 * without buttons, scripts and the console. The same checks as the buttons (the permission for
 * the proposal's app and project, four eyes, expiry), the same audit, and the card is updated
 * where it was posted; a merge is followed in the card's thread.
 */
import { z } from 'zod';
import type { ChatService } from '../../../core/chat.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import type { Logger } from '../../../core/logging.ts';
import type { Actor } from '../../../core/access.ts';
import type { Message, MessageRef } from '../../../core/message/model.ts';
import type { GitOpsWorkflow } from '../workflow.ts';

const args = z.object({
  pr: z.coerce.number().int().positive().describe('the pull request number (#12 or 12)'),
  app: z.string().optional().describe('the application, when two repositories have that number'),
});

const PR_12 = '12 stands for the number of a pull request deckhand opened and that is still open';

/** `#12` is how people write pull requests. */
const prArg = z.preprocess((v) => (typeof v === 'string' ? v.replace(/^#/, '') : v), args.shape.pr);

async function refreshCard(chat: ChatService, log: Logger, card: MessageRef | undefined, update?: Message) {
  if (!card || !update) return;
  await chat.update(card, update).catch((err: unknown) => {
    log.warn({ err: (err as Error).message }, 'could not update the proposal card');
  });
}

export const decideCommands = (flow: GitOpsWorkflow, chat: ChatService) => {
  /**
   * The scope a decision is checked against: the proposal's app and project, and the channel its
   * card is in — where the button would be pressed — besides the channel the command is typed in
   * (the dispatcher checks that one). A binding limited to one channel decides only there.
   */
  const where = (p: Awaited<ReturnType<GitOpsWorkflow['proposalFor']>>) => ({
    ...flow.scopeOf(p.change),
    channel: p.card?.channel ?? p.change.conversation.channel,
  });
  /** reject and withdraw: the proposal is found, checked for its scope, closed, its card updated. */
  const closeCommand = (
    verb: 'reject' | 'withdraw',
    o: {
      summary: string;
      permission: string;
      close: (approvalId: string, actor: Actor) => Promise<{ update: Message; reply: Message }>;
    },
  ) =>
    defineCommand({
      name: `gitops ${verb}`,
      summary: o.summary,
      args: args.extend({ pr: prArg }),
      positional: ['pr'],
      examples: [{ line: `gitops ${verb} 12`, notInDemo: PR_12 }],
      permission: o.permission,
      effect: 'write',
      async run({ args: a, actor, authorize, log }) {
        const p = await flow.proposalFor(a.pr, a.app);
        authorize(o.permission, where(p));
        const out = await o.close(p.approvalId, actor);
        await refreshCard(chat, log, p.card, out.update);
        return out.reply;
      },
    });
  return [
    defineCommand({
      name: 'gitops approve',
      summary: 'Approve a proposed change and merge it (the Approve & merge button)',
      args: args.extend({
        pr: prArg,
        whenReady: z
          .boolean()
          .default(false)
          .describe('merge once its required checks pass (the Merge when ready button)'),
      }),
      positional: ['pr'],
      examples: [
        { line: 'gitops approve 12', notInDemo: PR_12 },
        { line: 'gitops approve #12 --app naver-news', notInDemo: PR_12 },
        { line: 'gitops approve 12 --when-ready', notInDemo: PR_12 },
      ],
      permission: 'gitops.approve',
      effect: 'write',
      async run({ args: a, actor, conversation, authorize, log }) {
        const p = await flow.proposalFor(a.pr, a.app);
        authorize('gitops.approve', where(p));
        const out = await flow.approve(p.approvalId, actor, p.card, conversation, { whenReady: a.whenReady });
        await refreshCard(chat, log, p.card, out.update);
        return [...(p.card || !out.update ? [] : [out.update]), ...(out.reply ? [out.reply] : [])];
      },
    }),
    defineCommand({
      name: 'gitops renew',
      summary: 'Post a fresh approval card for an open proposal whose approval expired',
      args: args.extend({ pr: prArg }),
      positional: ['pr'],
      examples: [{ line: 'gitops renew 12', notInDemo: PR_12 }],
      permission: 'gitops.propose',
      effect: 'write',
      async run({ args: a, actor, conversation, say, button, authorize }) {
        const p = await flow.proposalFor(a.pr, a.app);
        authorize('gitops.propose', where(p));
        return flow.renew({ actor, conversation, say, button }, a.pr, a.app);
      },
    }),
    closeCommand('reject', {
      summary: 'Reject a proposed change and close its pull request (the Reject button)',
      permission: 'gitops.approve',
      close: (id, actor) => flow.reject(id, actor),
    }),
    closeCommand('withdraw', {
      summary: 'Take back your own proposed change and close its pull request',
      permission: 'gitops.propose',
      close: (id, actor) => flow.withdraw(id, actor),
    }),
  ];
};
