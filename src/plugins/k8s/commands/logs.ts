import { z } from 'zod';
import { defineCommand } from '../../../core/commands/define.ts';
import { InputError } from '../../../core/errors.ts';
import { code, trimLines } from '../../../core/message/markup.ts';
import type { ArgoService } from '../../argocd/index.ts';
import { appPods } from '../app-pods.ts';
import type { ClusterDirectory } from '../clusters.ts';
import { failingContainers } from '../collector.ts';
import { appArg } from './pods.ts';

const since = z
  .string()
  .regex(/^\d+[smhd]$/, 'a duration like 30s, 10m, 2h or 1d')
  .transform(
    (s) => Number(s.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[s.slice(-1) as 's' | 'm' | 'h' | 'd'],
  );

export const logsCommand = (argo: ArgoService, clusters: ClusterDirectory, defaults: { tailLines: number }) =>
  defineCommand({
    name: 'k8s logs',
    summary: "A container's log (the failing one by default)",
    args: z.object({
      app: appArg,
      pod: z.string().optional().describe('pod name (default: a failing pod, else the first)'),
      container: z.string().optional().describe('container name (default: the failing or only one)'),
      tail: z.number().int().min(1).max(5_000).default(defaults.tailLines).describe('lines from the end'),
      previous: z.boolean().default(false).describe('the previous (crashed) container'),
      since: since.optional().describe('only newer lines, e.g. 10m'),
    }),
    positional: ['app'],
    examples: [
      'k8s logs naver-news --previous',
      'k8s logs naver-news --container naver-news --tail 50 --since 10m',
    ],
    permission: 'k8s.read',
    progress: 'Fetching logs…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal });
      const pods = await appPods(r, clusters, signal);
      if (pods.length === 0) throw new InputError(`${r.ref} has no pods, so there are no logs.`);
      const pod = args.pod
        ? pods.find((p) => p.metadata?.name === args.pod)
        : (pods.find((p) => failingContainers(p).length > 0) ?? pods[0]);
      if (!pod) {
        throw new InputError(
          `${r.ref} has no pod ${code(args.pod ?? '')}. Its pods: ${pods.map((p) => code(p.metadata?.name ?? '')).join(', ')}.`,
        );
      }
      const names = (pod.spec?.containers ?? []).map((c) => c.name);
      const initNames = (pod.spec?.initContainers ?? []).map((c) => c.name);
      let container = args.container;
      if (container && !names.includes(container) && !initNames.includes(container)) {
        throw new InputError(
          `Pod ${pod.metadata?.name} has no container ${code(container)}; it has ${[...initNames, ...names].map((n) => code(n)).join(', ')}.`,
        );
      }
      container ??=
        failingContainers(pod)[0]?.name ??
        pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'] ??
        names[0];
      const reader = clusters.for(r.app);
      const ns = pod.metadata?.namespace ?? '';
      const podName = pod.metadata?.name ?? '';
      const text = await reader.readLog(
        ns,
        podName,
        { container, tailLines: args.tail, previous: args.previous, sinceSeconds: args.since },
        signal,
      );
      const body = text.replace(/\n$/, '');
      const trimmed = trimLines(body, 60, 'end');
      const title = `${podName}/${container}${args.previous ? ' (previous)' : ''}`;
      return {
        text: `${r.ref}: ${title}, ${body ? body.split('\n').length : 0} lines`,
        header: `${r.ref} — logs`,
        blocks: [{ type: 'code', title, code: trimmed.text || '(empty log)' }],
        attachments: trimmed.omitted
          ? [{ filename: `${podName}-${container}.log`, contentType: 'text/plain', content: body }]
          : undefined,
        data: {
          pod: podName,
          namespace: ns,
          container,
          previous: args.previous,
          lines: body ? body.split('\n') : [],
        },
      };
    },
  });
