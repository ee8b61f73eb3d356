import { stringify } from 'yaml';
import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { trimLines } from '../../../core/message/markup.ts';
import type { Block } from '../../../core/message/model.ts';
import { unifiedDiff } from '../../../core/text/diff.ts';
import type { ManagedResource } from '../client.ts';
import type { ArgoService } from '../service.ts';
import { appArg } from './status.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

const parse = (json: string | undefined): Obj | undefined => {
  if (!json || json === 'null') return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
};

/**
 * A Secret's values never reach chat, whatever the server sent (Argo CD masks them with `+`; a
 * proxy, an older server or a custom resource may not). Like Argo CD (gitops-engine
 * HideSecretData), equal values get equal masks and different values different ones, so a changed
 * value still shows as a change without showing either value.
 */
function maskSecrets(objs: (Obj | undefined)[]): (Obj | undefined)[] {
  const masks = new Map<string, Map<unknown, string>>();
  const mask = (key: string, value: unknown): string => {
    const seen = masks.get(key) ?? new Map<unknown, string>();
    masks.set(key, seen);
    if (!seen.has(value)) seen.set(value, '•'.repeat(8 + 4 * seen.size));
    return seen.get(value) as string;
  };
  return objs.map((o) => {
    if (!o || o.kind !== 'Secret') return o;
    const all = (v: unknown, field: string) =>
      isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mask(`${field}.${k}`, x)])) : v;
    return {
      ...o,
      ...(o.data ? { data: all(o.data, 'data') } : {}),
      ...(o.stringData ? { stringData: all(o.stringData, 'data') } : {}),
    };
  });
}

/** Fields that always differ between the desired and the live object and say nothing. */
function forDisplay(o: Obj | undefined): string {
  if (!o) return '';
  const { status: _status, ...rest } = o;
  const meta = { ...(isObj(rest.metadata) ? rest.metadata : {}) };
  for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'])
    delete meta[k];
  const ann = { ...(isObj(meta.annotations) ? (meta.annotations as Record<string, string>) : {}) };
  delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  delete ann['deployment.kubernetes.io/revision'];
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
  return stringify({ ...rest, metadata: meta }, { sortMapEntries: true });
}

/**
 * One resource's difference as Argo CD states it: `modified` is its verdict (the three-way diff
 * with defaults and ignored fields applied), the texts only show where.
 */
export function resourceDiff(it: ManagedResource): { id: string; diff: string } | undefined {
  const id = `${it.kind || '?'}/${it.namespace ? `${it.namespace}/` : ''}${it.name || '?'}`;
  const target = parse(it.targetState);
  const live = parse(it.liveState);
  if (!target && live) return { id, diff: '(not in Git: would be pruned)' };
  if (target && !live) return { id, diff: '(missing in the cluster: would be created)' };
  if (!it.modified) return undefined;
  const [before, after] = maskSecrets([
    parse(it.normalizedLiveState) ?? live,
    parse(it.predictedLiveState) ?? target,
  ]);
  const from = forDisplay(before);
  const to = forDisplay(after);
  const diff = unifiedDiff(from, to, { from: `live ${id}`, to: `desired ${id}` });
  return { id, diff: diff || '(differs in a way the texts do not show: ignored fields or formatting)' };
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
      const diffs = items.filter((it) => !it.hook).flatMap((it) => resourceDiff(it) ?? []);
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
            ? [{ filename: `${r.view.name}.diff`, contentType: 'text/x-diff', content: full }]
            : undefined,
        data: { differences: diffs.map((d) => ({ resource: d.id, diff: d.diff })) },
      };
    },
  });
