/**
 * Built-in commands: help, whoami, version, plugins. They are a plugin like any other, so they use
 * only what the host provides.
 */
import { z } from 'zod';
import { defineCommand } from '../commands/define.ts';
import { commandHelp, commandList } from '../commands/help.ts';
import { closest } from '../commands/suggest.ts';
import { NotFoundError } from '../errors.ts';
import { code } from '../message/markup.ts';
import { definePlugin } from '../plugin.ts';
import { writePermissions } from '../permissions.ts';
import { AccessToken, ActionsToken, BotInfoToken, ClockToken, CommandsToken, StoreToken } from '../tokens.ts';
import { auditCommand } from './audit.ts';

export const builtinsPlugin = definePlugin({
  id: 'deckhand',
  summary: 'Built-in commands: help, whoami, version, plugins, audit',
  // help and `plugins` are how an operator finds out what is off and why: the bot needs them.
  required: true,
  deps: {
    registry: CommandsToken,
    access: AccessToken,
    actions: ActionsToken,
    info: BotInfoToken,
    store: StoreToken,
    clock: ClockToken,
  },
  init({ deps, commands }) {
    const { registry, access, actions, info } = deps;

    const help = defineCommand({
      name: 'help',
      visibility: 'private',
      summary: 'List the commands, or explain one',
      args: z.object({
        command: z.array(z.string()).default([]).describe('a command or group, e.g. argo status'),
      }),
      positional: ['command'],
      examples: ['help', 'help argo', 'help gitops scale'],
      permission: 'deckhand.read',
      async run({ args, actor }) {
        const wanted = args.command
          .join(' ')
          .replace(/^\//, '')
          .replace(/^deckhand\s+/, '')
          .toLowerCase();
        const visible = registry.all().filter((c) => !c.hidden && access.can(actor, c.permission));
        if (!wanted) {
          const hiddenCount = registry.all().filter((c) => !c.hidden).length - visible.length;
          return commandList(
            visible,
            'deckhand commands',
            'Commands work as `/argo status naver-news` or `argo status naver-news`.' +
              (hiddenCount > 0 ? ` ${hiddenCount} more need permissions you do not have.` : ''),
          );
        }
        const cmd = registry.get(wanted);
        if (cmd) return commandHelp(cmd);
        const group = registry.inGroup(wanted);
        if (group.length) return commandList(group, `${wanted} commands`);
        const near = closest(
          wanted,
          registry.all().map((c) => c.name),
        );
        throw new NotFoundError(
          `No command ${code(wanted)}.` +
            (near.length ? ` Did you mean ${near.map((n) => code(n)).join(' or ')}?` : ''),
        );
      },
    });

    const whoami = defineCommand({
      name: 'whoami',
      visibility: 'private',
      summary: 'Who deckhand thinks you are, and what you may do',
      args: z.object({}),
      permission: 'deckhand.read',
      async run({ actor, conversation }) {
        const grants = access.describe(actor);
        // Buttons count too: gitops.approve is used by no command, only by Approve and Reject.
        const writes = writePermissions(registry.all(), actions.all());
        const allowedWrites = writes.filter((p) => access.can(actor, p, { channel: conversation.channel }));
        return {
          text: `You are ${actor.id} (${actor.name}) on ${actor.platform}.`,
          header: `${actor.name}`,
          blocks: [
            {
              type: 'fields',
              fields: [
                {
                  label: 'Identity',
                  value: actor.known ? actor.id : `${actor.id} (not in the configuration)`,
                  short: true,
                },
                { label: 'Platform user', value: `${actor.platform}:${actor.platformUserId}`, short: true },
                { label: 'Groups', value: actor.groups.join(', ') || '—', short: true },
                { label: 'May change things', value: allowedWrites.join(', ') || 'nothing (read-only)' },
              ],
            },
            {
              type: 'table',
              title: 'Roles',
              table: {
                columns: ['role', 'permissions', 'scope'],
                rows: grants.map((g) => [
                  g.role + (g.readOnly ? ' (default, reads only)' : ''),
                  g.permissions.join(', '),
                  g.scope ?? 'everywhere',
                ]),
              },
            },
          ],
          data: { actor, roles: grants, writes: allowedWrites },
        };
      },
    });

    const version = defineCommand({
      name: 'version',
      visibility: 'private',
      summary: 'deckhand version and runtime',
      args: z.object({}),
      permission: 'deckhand.read',
      async run() {
        return {
          text: `deckhand ${info.version} on Node ${info.node}`,
          blocks: [
            {
              type: 'fields',
              fields: [
                { label: 'deckhand', value: info.version, short: true },
                { label: 'Node', value: info.node, short: true },
                { label: 'Up since', value: new Date(info.startedAt).toISOString(), short: true },
              ],
            },
          ],
          data: { version: info.version, node: info.node },
        };
      },
    });

    const plugins = defineCommand({
      name: 'plugins',
      visibility: 'private',
      summary: 'The plugins, whether each runs (and why not), and what they contribute',
      args: z.object({}),
      permission: 'deckhand.read',
      async run() {
        const list = info.plugins();
        const running = list.filter((p) => p.state === 'loaded');
        const stateOf = (p: (typeof list)[number]) =>
          p.state === 'loaded'
            ? 'loaded'
            : p.state === 'disabled'
              ? 'disabled by config'
              : `${p.state === 'failed' ? 'failed' : 'left out'}: ${p.reason ?? ''}`;
        const off = list.length - running.length;
        return {
          text:
            `${running.length} plugins loaded: ${running.map((p) => p.id).join(', ')}` +
            (off
              ? `; ${off} off: ${list.flatMap((p) => (p.state === 'loaded' ? [] : [p.id])).join(', ')}`
              : ''),
          header: 'Plugins',
          tone: list.some((p) => p.state === 'failed') ? 'warn' : undefined,
          blocks: [
            {
              type: 'table',
              table: {
                columns: ['plugin', 'state', 'commands', 'what it does'],
                rows: list.map((p) => [p.id, stateOf(p), String(p.commands), p.summary]),
                align: ['left', 'left', 'right', 'left'],
              },
            },
          ],
          data: { plugins: list },
        };
      },
    });

    commands.add(help, whoami, version, plugins, auditCommand(deps.store.audit, deps.clock));
  },
});
