import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { anyGlob } from '../../../core/glob.ts';
import { listMessage } from '../render/list.ts';
import { HEALTH_STATES, SYNC_STATES, healthOf, syncOf } from '../view/app-view.ts';
import { matchesSelector, parseSelector } from '../../../core/labels.ts';
import type { ArgoService } from '../service.ts';
import { at, str, strMap } from '../view/read.ts';

const HEALTH = HEALTH_STATES;
const SYNC = SYNC_STATES;

/** Case and dashes do not matter: `degraded`, `out-of-sync`, `not-reconciled`. */
const pick = <T extends string>(values: readonly T[]) =>
  z
    .string()
    .transform((s) => {
      const k = s.toLowerCase().replace(/[-_\s]/g, '');
      return values.find((v) => v.toLowerCase() === k) ?? s;
    })
    .pipe(z.enum(values as unknown as [T, ...T[]]));

const nameOf = (app: unknown) => str(at(app, 'metadata', 'name')) ?? '';
const projectOf = (app: unknown) => str(at(app, 'spec', 'project')) ?? 'default';
const labelsOf = (app: unknown) => strMap(at(app, 'metadata', 'labels'));

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
        .filter(({ app }) => anyGlob(globs, nameOf(app)))
        .filter(({ app }) => anyGlob(args.project, projectOf(app)))
        .filter(({ app }) => !args.health || healthOf(app) === args.health)
        .filter(({ app }) => !args.sync || syncOf(app) === args.sync)
        .filter(({ app }) => matchesSelector(reqs, labelsOf(app)))
        .sort((a, b) => nameOf(a.app).localeCompare(nameOf(b.app)) || a.instance.localeCompare(b.instance));
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
