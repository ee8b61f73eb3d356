/**
 * Scenarios may name deployed revisions by Git expression (`HEAD`, `HEAD~2`, a branch) since shas
 * exist only once the sandbox has built the repositories. At start they become full shas: in the
 * Application status (sync, history, operation and its result) and where Argo CD quotes a
 * revision in a message (`Failed last sync attempt to [HEAD~1]: …`). `spec.source.targetRevision`
 * stays as written: it says what to track, not what was deployed.
 */
import type { ScenarioApplication } from './scenario.ts';

export type RevisionResolver = (repoURL: string, expression: string) => string | undefined;

const isSha = (s: string) => /^[0-9a-f]{40}$/.test(s);
const expressionInMessage = /\[((?:HEAD|[A-Za-z0-9._/-]+)(?:~\d+|\^+)*)\]/g;

type Resolve = (expr: string, sourceIndex: number) => string;

function walk(value: unknown, key: string, resolve: Resolve, index = 0): unknown {
  if (typeof value === 'string') {
    if ((key === 'revision' || key === 'revisions') && value && !isSha(value)) return resolve(value, index);
    if (key === 'message')
      return value.replace(
        expressionInMessage,
        (m, expr: string) => `[${/^(HEAD|[0-9a-f]{7,40})/.test(expr) ? resolve(expr, 0) : expr}]`,
      );
    return value;
  }
  // `revisions` follow spec.sources one by one (types.go: "in the same order as Sources").
  if (Array.isArray(value))
    return value.map((v, i) => walk(v, key, resolve, key === 'revisions' ? i : index));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = k === 'source' || k === 'sources' ? v : walk(v, k, resolve);
    return out;
  }
  return value;
}

export function resolveRevisions(app: ScenarioApplication, resolver: RevisionResolver): ScenarioApplication {
  const spec = app.spec as {
    source?: { repoURL?: string; chart?: string };
    sources?: { repoURL?: string; chart?: string }[];
  };
  const sources = spec.sources?.length ? spec.sources : spec.source ? [spec.source] : [];
  if (!sources.some((s) => s.repoURL)) return app;
  // A chart's revision is its version, not a Git expression.
  const resolve: Resolve = (expr, i) => {
    const src = sources[i];
    return src?.repoURL && !src.chart ? (resolver(src.repoURL, expr) ?? expr) : expr;
  };
  return {
    ...app,
    ...(app.status ? { status: walk(app.status, 'status', resolve) as ScenarioApplication['status'] } : {}),
    ...('operation' in app && app.operation ? { operation: walk(app.operation, 'operation', resolve) } : {}),
  };
}
