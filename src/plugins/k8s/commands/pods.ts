import { z } from 'zod';
import type { Clock } from '../../../core/clock.ts';
import { defineCommand } from '../../../core/commands/define.ts';
import { duration } from '../../../core/message/time.ts';
import type { ArgoService } from '../../argocd/index.ts';
import { appPods } from '../app-pods.ts';
import type { ClusterDirectory } from '../clusters.ts';
import { podPhrase, readyCount, restarts } from '../pod-status.ts';

export const appArg = z.string().describe('application: name, namespace/name or name@instance');

export const podsCommand = (argo: ArgoService, clusters: ClusterDirectory, clock: Clock) =>
  defineCommand({
    name: 'k8s pods',
    summary: 'The pods of an application, as kubectl shows them',
    args: z.object({ app: appArg, wide: z.boolean().default(false).describe('add node and IP') }),
    positional: ['app'],
    examples: ['k8s pods naver-news', 'k8s pods flash-api-prod --wide'],
    permission: 'k8s.read',
    progress: 'Reading pods…',
    async run({ args, signal }) {
      const r = await argo.resolve(args.app, { signal });
      const pods = await appPods(r, clusters, signal);
      if (pods.length === 0) return { text: `${r.ref} has no pods.`, tone: 'info', data: { pods: [] } };
      const now = clock.now();
      const rows = pods.map((p) => {
        const age = p.metadata?.creationTimestamp
          ? duration(now - new Date(p.metadata.creationTimestamp).getTime())
          : '—';
        const base = [p.metadata?.name ?? '', readyCount(p), podPhrase(p), String(restarts(p)), age];
        return args.wide ? [...base, p.status?.podIP ?? '<none>', p.spec?.nodeName ?? '<none>'] : base;
      });
      const bad = pods.filter(
        (p) =>
          !['Running', 'Completed'].includes(podPhrase(p)) ||
          readyCount(p).split('/')[0] !== readyCount(p).split('/')[1],
      );
      return {
        text: `${r.ref}: ${pods.length} pods${bad.length ? `, ${bad.length} not ready` : ', all ready'}`,
        header: `${r.ref} — pods`,
        tone: bad.length ? 'warn' : 'ok',
        blocks: [
          {
            type: 'table',
            table: {
              columns: ['name', 'ready', 'status', 'restarts', 'age', ...(args.wide ? ['ip', 'node'] : [])],
              rows,
              align: ['left', 'left', 'left', 'right', 'right'],
            },
          },
        ],
        data: {
          pods: pods.map((p) => ({
            name: p.metadata?.name,
            namespace: p.metadata?.namespace,
            ready: readyCount(p),
            status: podPhrase(p),
            restarts: restarts(p),
            node: p.spec?.nodeName,
          })),
        },
      };
    },
  });
