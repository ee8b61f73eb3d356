/**
 * What the four keys are computed from: the record of deployments, brought up to date from Argo
 * CD's history of the apps asked about (with their commits when gitops can ask the Git host), and
 * the incidents of those apps. What could not be read is said, never taken as "none".
 */
import type { Logger } from '../../core/logging.ts';
import type { Application } from '../argocd/index.ts';
import type { GitOpsWorkflow } from '../gitops-pr/index.ts';
import type { IncidentService } from '../incidents/index.ts';
import { appKey, type DeploymentLog, type GitView } from './deployments.ts';
import type { Deployment, IncidentSpan } from './four-keys.ts';

type Picked = { instance: string; app: Application }[];

interface RecorderDeps {
  gitops?: Pick<GitOpsWorkflow, 'commitsBrought' | 'listChanges'>;
  incidents?: Pick<IncidentService, 'all'>;
  resolve: (instance: string, app: Application) => Parameters<GitOpsWorkflow['commitsBrought']>[0];
  logger: Logger;
}

export class Recorder {
  private readonly log: DeploymentLog;
  private readonly deps: RecorderDeps;

  constructor(log: DeploymentLog, deps: RecorderDeps) {
    this.log = log;
    this.deps = deps;
  }

  /** Read new history entries of the apps into the record; returns how many were new. */
  async record(apps: Picked): Promise<number> {
    const { gitops } = this.deps;
    const merges = gitops
      ? new Map(
          (await gitops.listChanges().catch(() => []))
            .filter((c) => c.mergeSha)
            .map((c) => [c.mergeSha as string, { revert: c.intent.kind === 'revert' }]),
        )
      : undefined;
    const git: GitView | undefined = gitops && {
      commits: (instance, app, window) => gitops.commitsBrought(this.deps.resolve(instance, app), window),
      merges: async () => merges ?? new Map(),
    };
    let added = 0;
    for (const { instance, app } of apps) {
      try {
        added += await this.log.ingest(instance, app, git, merges);
      } catch (err) {
        this.deps.logger.warn({ err, app: app.metadata.name }, 'could not record deployments');
      }
    }
    return added;
  }

  async gather(
    apps: Picked,
    signal?: AbortSignal,
  ): Promise<{ deployments: Deployment[]; incidents: IncidentSpan[]; gaps: string[] }> {
    await this.record(apps);
    signal?.throwIfAborted();
    const keys = new Set(apps.map(({ instance, app }) => appKey(instance, app)));
    const deployments = (await this.log.list()).filter((d) => keys.has(d.app));
    const gaps: string[] = [];
    if (!this.deps.gitops) gaps.push('gitops is off: no commits are known, so there is no lead time');
    let incidents: IncidentSpan[] = [];
    if (!this.deps.incidents) gaps.push('incidents are off: failures are only rollbacks');
    else
      incidents = (await this.deps.incidents.all()).flatMap((i) => {
        if (!i.app) return [];
        const key = `${i.app.instance}/${i.app.namespace ?? ''}/${i.app.name}`;
        const match = keys.has(key)
          ? key
          : [...keys].find((k) => k.startsWith(`${i.app?.instance}/`) && k.endsWith(`/${i.app?.name}`));
        if (!match) return [];
        return [
          {
            key: i.key,
            app: match,
            title: i.alertname,
            startedAt: i.startedAt,
            ...(i.resolvedAt !== undefined ? { resolvedAt: i.resolvedAt } : {}),
          },
        ];
      });
    return { deployments, incidents, gaps };
  }
}
