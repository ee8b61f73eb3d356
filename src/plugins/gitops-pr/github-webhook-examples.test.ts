/**
 * deckhand's reading of GitHub's deliveries, on the example payloads GitHub's own Octokit project
 * publishes (@octokit/webhooks-examples, recorded from api.github.com): every example of every
 * event parses and is read without throwing, and each event deckhand acts on is read as what it is.
 */
import examples from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { eventOf, GitHubDeliverySchema } from './github-webhook.ts';

type Example = Record<string, unknown> & { action?: string };
const all = examples as unknown as { name: string; examples: Example[] }[];
const of = (name: string): Example[] => all.find((e) => e.name === name)?.examples ?? [];
const read = (name: string, d: Example) => eventOf(name, GitHubDeliverySchema.parse(d));

describe('GitHub’s published webhook examples', () => {
  it('every example of every event parses and is read without throwing', () => {
    let n = 0;
    for (const { name, examples: list } of all)
      for (const d of list) {
        expect(() => read(name, d), `${name}.${d.action ?? ''}`).not.toThrow();
        n++;
      }
    expect(n).toBeGreaterThan(300);
  });

  it('pull requests: merged, closed, reopened and pushed to are read as such; the rest is not acted on', () => {
    for (const d of of('pull_request')) {
      const pr = d.pull_request as { number: number; merged?: boolean; head: { sha: string } };
      const e = read('pull_request', d);
      const want =
        d.action === 'closed'
          ? pr.merged
            ? 'merged'
            : 'closed'
          : d.action === 'reopened'
            ? 'reopened'
            : d.action === 'synchronize'
              ? 'pushed'
              : undefined;
      expect(e?.kind, `pull_request.${d.action}`).toBe(want);
      if (e && e.kind !== 'checks') expect(e.number).toBe(pr.number);
    }
  });

  it('check runs and suites created, completed or re-run, and statuses, are a head whose checks moved', () => {
    for (const name of ['check_run', 'check_suite'] as const)
      for (const d of of(name)) {
        const run = d[name] as { head_sha: string; pull_requests: { number: number }[] };
        const e = read(name, d);
        if (['created', 'completed', 'rerequested'].includes(d.action ?? ''))
          expect(e, `${name}.${d.action}`).toEqual({
            kind: 'checks',
            repoURL: (d.repository as { html_url: string }).html_url,
            host: 'GitHub',
            headSha: run.head_sha,
            numbers: run.pull_requests.map((p) => p.number),
          });
        else expect(e, `${name}.${d.action}`).toBeUndefined();
      }
    for (const d of of('status'))
      expect(read('status', d)).toMatchObject({ kind: 'checks', headSha: d.sha as string });
  });

  it('reviews submitted and comments on pull requests are read; comments on issues are not', () => {
    for (const d of of('pull_request_review'))
      expect(read('pull_request_review', d)?.kind).toBe(d.action === 'submitted' ? 'reviewed' : undefined);
    for (const d of of('issue_comment')) {
      const onPull = !!(d.issue as { pull_request?: unknown }).pull_request;
      expect(read('issue_comment', d)?.kind).toBe(d.action === 'created' && onPull ? 'commented' : undefined);
    }
  });
});
