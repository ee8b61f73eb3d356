/**
 * Test support for the planner: file corpora in txtar form (`-- path --` headers; `[crlf]` after
 * the path turns the file's line ends into CRLF), an in-memory FileTree, applications as Argo CD
 * returns them, and a line-level diff to assert exactly which lines a change touched.
 */
import { readFileSync } from 'node:fs';
import type { ResolvedApp } from '../../argocd/index.ts';
import { readApplication, type ApplicationSource, type ResourceStatus } from '../../argocd/index.ts';
import { diffLines } from '../../../core/text/diff.ts';
import type { Plan } from '../changes.ts';
import type { FileTree } from '../hosts/types.ts';

export function loadCorpus(name: string): Record<string, string> {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const files: Record<string, string> = {};
  let current: { path: string; crlf: boolean; lines: string[] } | undefined;
  const flush = () => {
    if (current) files[current.path] = current.lines.map((l) => l + (current?.crlf ? '\r\n' : '\n')).join('');
  };
  for (const line of text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined)) {
    const m = /^-- (\S+)( \[crlf\])? --$/.exec(line);
    if (m) {
      flush();
      current = { path: m[1] as string, crlf: !!m[2], lines: [] };
    } else current?.lines.push(line);
  }
  flush();
  return files;
}

export function memoryTree(files: Record<string, string>): FileTree {
  return {
    read: async (path) => files[path.replace(/^\.?\/+/, '')],
    list: async (dir) => {
      const prefix = dir ? `${dir.replace(/\/+$/, '')}/` : '';
      const names = Object.keys(files)
        .filter((p) => p.startsWith(prefix))
        .map((p) => p.slice(prefix.length).split('/')[0] as string);
      return [...new Set(names)].sort();
    },
  };
}

/** Files after a plan: what the branch would hold. */
export function applyPlan(files: Record<string, string>, plan: Plan): Record<string, string> {
  const out = { ...files };
  for (const c of plan.changes) {
    if (c.after === null) delete out[c.path];
    else out[c.path] = c.after;
  }
  return out;
}

export function app(
  name: string,
  source: ApplicationSource | { sources: ApplicationSource[] },
  resources: Partial<ResourceStatus>[] = [],
): ResolvedApp {
  const spec = 'sources' in source ? { sources: source.sources } : { source };
  const raw = {
    metadata: { name, namespace: 'argocd' },
    spec: { project: 'default', destination: { server: 'https://kubernetes.default.svc' }, ...spec },
    status: { resources: resources as ResourceStatus[] },
  };
  return resolved(raw);
}

/** An Application as Argo CD returns it, read as the argocd plugin hands it to gitops. */
export function resolved(raw: ResolvedApp['app']): ResolvedApp {
  const name = raw.metadata.name;
  return {
    instance: 'default',
    ref: name,
    locator: { name },
    cached: true,
    client: {} as ResolvedApp['client'],
    app: raw,
    view: readApplication(raw),
  };
}

export const git = (path: string, extra: Partial<ApplicationSource> = {}): ApplicationSource => ({
  repoURL: 'https://github.com/acme/infra',
  targetRevision: 'HEAD',
  path,
  ...extra,
});

/**
 * The lines a change removed and added: `-12 old text` (line number before) and `+12 new text`
 * (line number after), line ends left out.
 */
export function lineChanges(before: string, after: string): string[] {
  const out: string[] = [];
  let a = 0;
  let b = 0;
  const strip = (l: string) => l.replace(/\r$/, '');
  for (const e of diffLines(before.split('\n'), after.split('\n'))) {
    if (e.op === ' ') {
      a++;
      b++;
    } else if (e.op === '-') out.push(`-${++a} ${strip(e.line)}`);
    else out.push(`+${++b} ${strip(e.line)}`);
  }
  return out;
}

/** The line changes of one file of a plan. */
export function changesOf(plan: Plan, path: string): string[] {
  const c = plan.changes.find((x) => x.path === path);
  if (!c)
    throw new Error(
      `the plan does not change ${path}; it changes ${plan.changes.map((x) => x.path).join(', ')}`,
    );
  return lineChanges(c.before, c.after ?? '');
}
