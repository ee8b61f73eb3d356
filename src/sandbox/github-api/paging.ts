/**
 * GitHub's page-based pagination: `per_page` (default 30, at most 100) and `page` (from 1), with
 * a Link header naming the next, last, first and previous pages (only those that exist), which
 * octokit.paginate follows.
 */
export interface Page<T> {
  items: T[];
  headers: Record<string, string>;
}

export function paginate<T>(all: T[], url: URL, apiBase: string): Page<T> {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page')) || 30));
  const page = Math.max(1, Math.floor(Number(url.searchParams.get('page'))) || 1);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const link = (n: number, rel: string) => {
    const q = new URLSearchParams(url.searchParams);
    q.set('page', String(n));
    if (url.searchParams.has('per_page')) q.set('per_page', String(perPage));
    return `<${apiBase}${url.pathname}?${q.toString()}>; rel="${rel}"`;
  };
  const rels: string[] = [];
  if (page > 1) rels.push(link(page - 1, 'prev'));
  if (page < last) rels.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) rels.push(link(1, 'first'));
  return { items, headers: rels.length ? { link: rels.join(', ') } : {} };
}
