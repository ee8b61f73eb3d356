import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { anyGlob } from '../../../core/glob.ts';
import { listMessage } from '../render/list.ts';
import { healthOf, syncOf } from '../render/tone.ts';
import { matchesSelector, parseSelector } from '../../../core/labels.ts';
import type { ArgoService } from '../service.ts';

const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
const SYNC = ['Synced', 'OutOfSync', 'Unknown'] as const;

const pick = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) => values.find((v) => v.toLowerCase() === s.toLowerCase()) ?? s)
    .pipe(z.enum(values as unknown as [T, ...T[]]));

export const listCommand = (argo: ArgoService) =>
  defineCommand({
    name: 'argo list',
    summary: 'Every application, filtered, counts first',
    args: z.object({
      selector: z
        .array(z.string())
        .default([])
        .describe('label selector, e.g. team=payments; or name globs like flash-*'),
      project: z.array(z.string()).default([]).describe('only these projects (repeatable, globs)'),
      health: pick(HEALTH)
        .optional()
        .describe(`one of ${HEALTH.join(', ')}`),
      sync: pick(SYNC)
        .optional()
        .describe(`one of ${SYNC.join(', ')}`),
      instance: z.string().optional().describe('only this Argo CD instance'),
      page: z.number().int().min(1).default(1),
      pageSize: z.number().int().min(1).max(200).default(50),
    }),
    positional: ['selector'],
    examples: [
      'argo list',
      'argo list --health degraded',
      'argo list --project flash-tickets env=prod',
      'argo list flash-*',
    ],
    permission: 'argo.read',
    progress: 'Listing applications…',
    async run({ args, signal }) {
      const res = await argo.list({ instance: args.instance, signal });
      // Words with `=`, `!` or a set `( … )` are label selectors; other words are name globs.
      const isLabel = (s: string) => /[=!(]/.test(s) || /\s(not)?in\s/.test(s);
      const labelParts = args.selector.filter(isLabel);
      const globs = args.selector.filter((s) => !isLabel(s));
      const reqs = labelParts.length ? parseSelector(labelParts.join(',')) : [];
      const rows = res.apps
        .filter(({ app }) => anyGlob(globs, app.metadata.name))
        .filter(({ app }) => anyGlob(args.project, app.spec.project))
        .filter(({ app }) => !args.health || healthOf(app) === args.health)
        .filter(({ app }) => !args.sync || syncOf(app) === args.sync)
        .filter(({ app }) => matchesSelector(reqs, app.metadata.labels))
        .sort(
          (a, b) =>
            a.app.metadata.name.localeCompare(b.app.metadata.name) || a.instance.localeCompare(b.instance),
        );
      const filters = [
        ...args.selector,
        ...args.project.map((p) => `project ${p}`),
        ...(args.health ? [`health ${args.health}`] : []),
        ...(args.sync ? [`sync ${args.sync}`] : []),
        ...(args.instance ? [`instance ${args.instance}`] : []),
      ].join(', ');
      if (res.failures.length && res.apps.length === 0) throw res.failures[0]?.error;
      return listMessage(rows, {
        page: args.page,
        pageSize: args.pageSize,
        multiInstance: argo.multiInstance,
        filters,
        failures: res.failures.map((f) => `Argo CD ${f.instance} could not be read: ${f.error.message}`),
        total: res.apps.length,
      });
    },
  });
