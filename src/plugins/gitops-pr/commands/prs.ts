/** `/gitops prs`: the pull requests deckhand opened, and their state. */
import { z } from 'zod';
import type { Clock } from '../../../core/clock.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import { link } from '../../../core/message/markup.ts';
import { ago } from '../../../core/message/time.ts';
import type { ChangeService } from '../changes.ts';

export const prsCommand = (changes: ChangeService, clock: Clock) =>
  defineCommand({
    name: 'gitops prs',
    summary: 'Pull requests deckhand opened (open ones first)',
    args: z.object({
      app: z.string().optional().describe('only this application'),
      all: z.boolean().default(false).describe('include merged and closed'),
    }),
    positional: ['app'],
    examples: ['gitops prs', 'gitops prs naver-news --all'],
    permission: 'gitops.read',
    async run({ args }) {
      const list = (
        await changes.list((c) => (!args.app || c.app === args.app) && (args.all || c.state === 'open'))
      )
        .sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open') || b.createdAt - a.createdAt)
        .slice(0, 50);
      if (list.length === 0)
        return {
          text: args.all ? 'deckhand has opened no pull requests yet.' : 'No open deckhand pull requests.',
          tone: 'info',
          data: { changes: [] },
        };
      return {
        text: `${list.length} deckhand pull request${list.length === 1 ? '' : 's'}`,
        header: 'deckhand pull requests',
        blocks: [
          {
            type: 'table',
            table: {
              columns: ['pr', 'app', 'change', 'state', 'by', 'opened'],
              rows: list.map((c) => [
                link(`#${c.pr.number}`, c.pr.url),
                c.app,
                c.title.replace(`${c.app}: `, ''),
                c.state,
                c.rule ? `rule ${c.rule}` : c.requester,
                ago(c.createdAt, clock.now()),
              ]),
            },
          },
        ],
        data: {
          changes: list.map((c) => ({
            id: c.id,
            app: c.app,
            pr: c.pr,
            state: c.state,
            title: c.title,
            requester: c.requester,
            rule: c.rule,
          })),
        },
      };
    },
  });
