/**
 * A finding's typed fix (the diagnosis interface's words: image, resources, replicas, restart,
 * revert) as the GitOps plugin's change intent. Parameters are checked here, so a fix that does
 * not carry what its intent needs is offered as advice, never as a broken button.
 */
import type { Intent } from '../gitops-pr/index.ts';
import type { Fix } from './engine/types.ts';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

export function intentOf(fix: Fix, now: number): Intent | undefined {
  const p = fix.params;
  switch (fix.intent) {
    case 'image': {
      const image = str(p.image) ?? str(p.tag);
      return image ? { kind: 'image', image, container: str(p.container) } : undefined;
    }
    case 'resources': {
      const pick = (o: unknown) => {
        if (!o || typeof o !== 'object') return undefined;
        const { memory, cpu } = o as Record<string, unknown>;
        const out = {
          ...(str(memory) ? { memory: str(memory) } : {}),
          ...(str(cpu) ? { cpu: str(cpu) } : {}),
        };
        return Object.keys(out).length ? out : undefined;
      };
      const limits = pick(p.limits);
      const requests = pick(p.requests);
      return limits || requests
        ? { kind: 'resources', container: str(p.container), limits, requests }
        : undefined;
    }
    case 'replicas':
      return typeof p.replicas === 'number' && Number.isInteger(p.replicas) && p.replicas >= 0
        ? { kind: 'replicas', replicas: p.replicas }
        : undefined;
    case 'restart':
      return { kind: 'restart', at: new Date(now).toISOString() };
    // A revert needs the commit to take back; a window (upTo/after) is resolved against Git first.
    case 'revert': {
      const commit = str(p.commit);
      return commit ? { kind: 'revert', commit } : undefined;
    }
  }
}

/** "raise the memory limit of app to 768Mi" — what the button will ask for. */
export function describeFix(fix: Fix): string {
  const p = fix.params;
  switch (fix.intent) {
    case 'resources': {
      const parts = (['limits', 'requests'] as const).flatMap((kind) =>
        Object.entries((p[kind] ?? {}) as Record<string, string>).map(
          ([k, v]) => `${k} ${kind === 'limits' ? 'limit' : 'request'} to ${v}`,
        ),
      );
      return `set the ${parts.join(' and ') || 'resources'}${p.container ? ` (container ${String(p.container)})` : ''}`;
    }
    case 'image':
      return `set the image to ${String(p.image ?? p.tag)}${p.container ? ` (container ${String(p.container)})` : ''}`;
    case 'replicas':
      return `scale to ${String(p.replicas)} replicas`;
    case 'restart':
      return 'restart the pods (through Git)';
    case 'revert':
      return p.commit
        ? `revert ${String(p.commit).slice(0, 7)}`
        : "revert the change that broke it (on the app's own files)";
  }
}
