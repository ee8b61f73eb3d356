/**
 * The corpus of real Application objects in test/fixtures/argocd-real (each file names its public
 * source), and the facts a reader must be able to state about each, read straight from the raw
 * object with the plainest code possible — a second reading, independent of the bot's AppView.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const CORPUS_DIR = join(import.meta.dirname, '..', 'fixtures', 'argocd-real');

export interface CorpusEntry {
  file: string;
  shows: string[];
  application?: Record<string, unknown>;
  resourceTree?: unknown;
}

export function loadCorpus(): CorpusEntry[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const doc = parse(readFileSync(join(CORPUS_DIR, file), 'utf8')) as Record<string, unknown>;
      return {
        file,
        shows: (doc.shows as string[] | undefined) ?? [],
        application: doc.application as Record<string, unknown> | undefined,
        resourceTree: doc.resourceTree,
      };
    });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** How a revision appears in a card: 7 characters of a commit, the value itself otherwise. */
const shown = (rev: string) =>
  /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev.replace(/^(sha256:[0-9a-f]{12})[0-9a-f]+$/, '$1');

/** Strings a status card for this object must contain, each with why. */
export function expectedFacts(app: Any): { why: string; text: string }[] {
  const facts: { why: string; text: string }[] = [];
  const st = app?.status ?? {};
  const sync: string = st.sync?.status || '';
  const health: string = st.health?.status || '';
  facts.push({
    why: 'sync',
    text:
      sync && ['Synced', 'OutOfSync', 'Unknown'].includes(sync)
        ? sync
        : sync
          ? 'Unknown'
          : 'not reconciled yet',
  });
  facts.push({ why: 'health', text: health || 'not reconciled yet' });
  const multi = Array.isArray(app?.spec?.sources) && app.spec.sources.length > 0;
  const sources: Any[] = multi ? app.spec.sources : app?.spec?.source ? [app.spec.source] : [];
  sources.forEach((s, i) => {
    if (s?.chart) facts.push({ why: `source ${i + 1} chart`, text: s.chart });
    else if (s?.repoURL)
      facts.push({
        why: `source ${i + 1} repository`,
        text: String(s.repoURL)
          .replace(/^[a-z+]+:\/\//i, '')
          .replace(/^[^@/]+@/, '')
          .replace(/\.git$/, ''),
      });
    const rev = multi ? st.sync?.revisions?.[i] : (st.sync?.revision ?? st.sync?.revisions?.[0]);
    if (typeof rev === 'string' && rev) facts.push({ why: `source ${i + 1} revision`, text: shown(rev) });
  });
  // An image nothing overrides comes from what the sources render: Git, or a chart Git does not hold.
  const overridden = (image: string) =>
    Object.keys(app?.metadata?.annotations ?? {}).some((k) => k.startsWith('argocd-image-updater.')) ||
    sources.some(
      (s) =>
        (s?.kustomize?.images ?? []).length > 0 ||
        (s?.helm?.parameters ?? []).some((p: Any) => p?.value && image.includes(String(p.value))),
    );
  const kinds = new Set(
    sources
      .filter((s) => s?.chart || s?.path || !s?.ref)
      .map((s) => (/^oci:/i.test(s?.repoURL ?? '') ? 'OCI' : s?.chart ? 'Helm' : 'Git')),
  );
  for (const image of st.summary?.images ?? []) {
    facts.push({ why: 'image', text: image });
    if (!overridden(image) && kinds.size === 1)
      facts.push({
        why: 'image origin',
        text: `${image} — ${{ Git: 'from Git', Helm: 'from the Helm chart', OCI: 'from the OCI artifact' }[[...kinds][0] as string]}`,
      });
  }
  if (app?.metadata?.deletionTimestamp) facts.push({ why: 'deletion', text: 'Being deleted' });
  const owner = (app?.metadata?.ownerReferences ?? []).find((o: Any) => o?.kind && o?.name);
  if (owner) facts.push({ why: 'owner', text: owner.name });
  const phase = st.operationState?.phase;
  if (phase === 'Running') facts.push({ why: 'running operation', text: 'running' });
  else if (app?.operation) facts.push({ why: 'requested operation', text: 'requested' });
  if (phase === 'Failed' || phase === 'Error') facts.push({ why: 'failed operation', text: phase });
  for (const c of st.conditions ?? []) if (c?.type) facts.push({ why: 'condition', text: c.type });
  return facts;
}
