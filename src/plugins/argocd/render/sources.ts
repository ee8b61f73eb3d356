/** One line per source of an application: where it comes from and the revision Argo CD has. */
import { code, esc, link, truncate } from '../../../core/message/markup.ts';
import { ago } from '../../../core/message/time.ts';
import type { RevisionMetadata } from '../types.ts';
import type { GitLinks } from '../view/links.ts';
import { isCommitSha, revisionLabel, type SourceView } from '../view/sources.ts';

/** `github.com/org/repo` for a Git URL, the URL as given otherwise. */
export const repoLabel = (url: string | undefined): string =>
  (url ?? '(no repoURL)')
    .replace(/^[a-z+]+:\/\//i, '')
    .replace(/^[^@/]+@/, '')
    .replace(/\.git$/, '');

/** The revision: a commit link for a sha on a known host, the version or digest otherwise. */
export function revisionText(s: SourceView, rev: string | undefined, links: GitLinks): string {
  if (!rev) return '—';
  const url = s.origin === 'git' && isCommitSha(rev) ? links.commit(s.repoURL, rev) : undefined;
  return url ? link(revisionLabel(rev), url) : code(revisionLabel(rev));
}

export function commitText(meta: RevisionMetadata | undefined, now: number): string {
  if (!meta) return '';
  let out = '';
  if (meta.message) out += ` ${esc(truncate(meta.message.split('\n')[0] ?? '', 72))}`;
  if (meta.author) out += ` — ${esc(meta.author.replace(/\s*<[^>]*>/, ''))}`;
  if (meta.date) out += `, ${ago(meta.date, now)}`;
  return out;
}

export function sourceLine(
  s: SourceView,
  links: GitLinks,
  meta: RevisionMetadata | undefined,
  now: number,
  /** Say what was last deployed when it differs (worth it while the app is OutOfSync). */
  showDeployed = false,
): string {
  const rev = revisionText(s, s.revision, links);
  const deployedDiffers = showDeployed && s.deployed && s.revision && s.deployed !== s.revision;
  const deployed = deployedDiffers ? ` (deployed: ${revisionText(s, s.deployed, links)})` : '';
  const named = s.name ? `${esc(s.name)}: ` : '';
  const ref = s.ref ? ` (ref ${code(s.ref)})` : '';
  if (s.origin === 'helm')
    return `${named}Helm chart ${code(s.chart ?? '?')} ${code(s.targetRevision)} from ${esc(repoLabel(s.repoURL))}${s.revision && s.revision !== s.targetRevision ? ` → ${rev}` : ''}${deployed}`;
  if (s.origin === 'oci')
    return `${named}OCI ${esc(repoLabel(s.repoURL))}${s.path ? `/${esc(s.path)}` : ''} ${code(s.targetRevision)} → ${rev}${deployed}`;
  const where = `${repoLabel(s.repoURL)}${s.path && s.path !== '.' ? `/${s.path.replace(/^\.?\//, '')}` : ''}`;
  const tree = links.tree(s.repoURL, s.revision ?? s.targetRevision, s.path);
  const label = `${where}@${s.targetRevision}`;
  const what = s.refOnly
    ? 'files for the other sources from '
    : s.tool
      ? `${s.tool}${s.plugin ? ` (plugin ${code(s.plugin)})` : ''} from `
      : '';
  return `${named}${what}${tree ? link(label, tree) : code(label)}${ref} → ${rev}${commitText(meta, now)}${deployed}`;
}
