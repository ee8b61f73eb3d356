/**
 * What a person (or a remediation rule) asks to change, as typed intents. The same words as the
 * diagnosis fix intents: image, resources, replicas, restart, revert.
 */
/** Where the change goes when deckhand cannot tell: a workload (`Deployment/web`), a file, or a values key. */
interface Pointed {
  path?: string;
}

export type ChangeIntent = Pointed &
  (
    | { kind: 'image'; image: string; container?: string }
    | { kind: 'replicas'; replicas: number }
    | {
        kind: 'resources';
        container?: string;
        limits?: { memory?: string; cpu?: string };
        requests?: { memory?: string; cpu?: string };
      }
    | { kind: 'restart'; at: string }
  );

export type RevertIntent = { kind: 'revert'; commit?: string; pullRequest?: number; toRevision?: string };

export type Intent = ChangeIntent | RevertIntent;

/** A short phrase for titles and branch names: "scale to 3", "bump image to master-484af0a". */
export function describeIntent(i: Intent): string {
  switch (i.kind) {
    case 'image':
      return `bump ${i.container ? `${i.container} ` : ''}image to ${i.image.includes(':') || i.image.includes('@') ? i.image.split(/[:@]/).slice(-1)[0] : i.image}`;
    case 'replicas':
      return `scale to ${i.replicas} replica${i.replicas === 1 ? '' : 's'}`;
    case 'resources': {
      const parts = [
        ...Object.entries(i.limits ?? {}).map(([k, v]) => `${k} limit ${v}`),
        ...Object.entries(i.requests ?? {}).map(([k, v]) => `${k} request ${v}`),
      ];
      return `set ${parts.join(', ')}${i.container ? ` for ${i.container}` : ''}`;
    }
    case 'restart':
      return 'restart';
    case 'revert':
      return i.pullRequest
        ? `revert #${i.pullRequest}`
        : i.commit
          ? `revert ${i.commit.slice(0, 7)}`
          : i.toRevision
            ? `roll back to ${i.toRevision.slice(0, 7)}`
            : 'revert the last change';
  }
}
