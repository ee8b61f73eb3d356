/** Which configured cluster an application deploys to: by destination server, else by name. */
import { DeckError } from '../../core/errors.ts';
import type { Application } from '../argocd/index.ts';
import type { ClusterConfig } from './config.ts';
import { KubeReader } from './reader.ts';

export class ClusterNotConfigured extends DeckError {
  constructor(app: Application) {
    const d = app.spec.destination;
    super(
      'DECK_CLUSTER_NOT_CONFIGURED',
      `deckhand has no access to the cluster of ${app.metadata.name} (${d.name ?? d.server ?? 'unknown destination'}).`,
      { hint: 'Add it under plugins.k8s.clusters with the same server as spec.destination.server.' },
    );
  }
}

export class ClusterDirectory {
  private readonly readers: KubeReader[];

  constructor(clusters: ClusterConfig[], secrets?: (values: string[]) => void) {
    this.readers = clusters.map((c) => new KubeReader(c, secrets));
  }

  /** Load the Kubernetes client for every cluster now (see KubeReader.warm). */
  async warm(): Promise<void> {
    await Promise.all(this.readers.map((r) => r.warm()));
  }

  get size(): number {
    return this.readers.length;
  }

  find(app: Application): KubeReader | undefined {
    const d = app.spec.destination;
    return (
      this.readers.find((r) => d.server !== undefined && r.server === d.server) ??
      this.readers.find((r) => d.name !== undefined && r.name === d.name)
    );
  }

  for(app: Application): KubeReader {
    const r = this.find(app);
    if (!r) throw new ClusterNotConfigured(app);
    return r;
  }
}
