import { stringify } from 'yaml';
import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { trimLines } from '../../../core/message/markup.ts';
import type { Block } from '../../../core/message/model.ts';
import { unifiedDiff } from '../../../core/text/diff.ts';
import type { ArgoService } from '../service.ts';
import { appArg } from './status.ts';

/** Fields that always differ between the desired and the live object and say nothing. */
function normalize(json: string | undefined): string {
  if (!json) return '';
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  if (!obj || typeof obj !== 'object') return '';
  const { status: _status, ...rest } = obj;
  const meta = { ...((rest.metadata as Record<string, unknown>) ?? {}) };
  for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'])
    delete meta[k];
  const ann = { ...((meta.annotations as Record<string, string>) ?? {}) };
  delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  delete ann['deployment.kubernetes.io/revision'];
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
  return stringify({ ...rest, metadata: meta }, { sortMapEntries: true });
}

export const diffCommand = (argo: ArgoService) =>
  defineCommand({
    name: 'argo diff',
    summary: 'What differs between Git (desired) and the cluster (live)',
    args: z.object({
      app: appArg,
      lines: z.number().int().min(5).max(400).default(40).describe('lines per resource'),
    }),
    positional: ['app'],
    examples: ['argo diff flash-web-dev'],
    permission: 'argo.read',
    progress: 'Comparing live and desired state…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal, fresh: true });
      const items = await r.client.managedResources(r.locator, signal);
      const diffs = items
        .map((it) => {
          const live = normalize(it.normalizedLiveState ?? it.liveState);
          const desired = normalize(it.predictedLiveState ?? it.targetState);
          const id = `${it.kind}/${it.namespace ? `${it.namespace}/` : ''}${it.name}`;
          if (!it.targetState || it.targetState === 'null')
            return { id, diff: `(not in Git: would be pruned)` };
          if (!it.liveState || it.liveState === 'null')
            return { id, diff: '(missing in the cluster: would be created)' };
          return { id, diff: unifiedDiff(live, desired, { from: `live ${id}`, to: `desired ${id}` }) };
        })
        .filter((d) => d.diff);
      if (diffs.length === 0) {
        return { text: `${r.ref}: the cluster matches Git.`, tone: 'ok', data: { differences: [] } };
      }
      const blocks: Block[] = diffs.map((d) => {
        const t = trimLines(d.diff, args.lines);
        return { type: 'code', title: d.id, code: t.text, language: 'diff' };
      });
      const full = diffs.map((d) => d.diff).join('\n\n');
      return {
        text: `${r.ref}: ${diffs.length} resource${diffs.length === 1 ? '' : 's'} differ from Git`,
        header: `${r.ref} — live vs Git`,
        tone: 'warn',
        blocks,
        attachments:
          full.split('\n').length > args.lines
            ? [{ filename: `${r.app.metadata.name}.diff`, contentType: 'text/x-diff', content: full }]
            : undefined,
        data: { differences: diffs.map((d) => ({ resource: d.id, diff: d.diff })) },
      };
    },
  });
