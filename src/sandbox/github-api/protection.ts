/**
 * Branch protection: required status checks and required approving reviews, set by an admin
 * through the API and enforced on merges. Rules from GitHub's docs ("Update branch protection",
 * "Get branch protection", "Delete branch protection"):
 * - PUT takes all four of `required_status_checks`, `enforce_admins`,
 *   `required_pull_request_reviews` and `restrictions`; each may be null (off) but none omitted.
 * - Only an admin may read or change it: others get 403 "Must have admin rights to Repository."
 * - GET on an unprotected branch is 404 "Branch not protected".
 * - Without `enforce_admins`, an admin's merge is not held back.
 * The merge refusals (405) are GitHub's words as public merge logs record them:
 * `Required status check "ci" is expected.` / `is in progress.` / `is failing.`,
 * `2 of 2 required status checks are in progress.`,
 * `2 of 2 required status checks have not succeeded: 1 expected and 1 pending.`, and
 * `At least 1 approving review is required by reviewers with write access.`
 * Not modelled, so refused rather than ignored: `strict` (up to date with the base) and restrictions.
 */
import { body, GitHubError, invalid, route, type Ctx, type RepoCtx, type Route } from './api.ts';
import { checkRuns, combined } from './routes-checks.ts';
import type { PullRecord } from './state.ts';

export interface ProtectionRecord {
  requiredChecks: string[];
  requiredReviews: number;
  enforceAdmins: boolean;
}

export type CheckVerdict = 'success' | 'expected' | 'pending' | 'in_progress' | 'failing';

/** Check run conclusions that count as passed. */
export const PASSING = new Set(['success', 'neutral', 'skipped']);

/** Where a required check stands at `sha`: its newest status or check run, whichever came last. */
export function verdict(c: RepoCtx, sha: string, context: string): CheckVerdict {
  const status = combined(c, sha).latest.find((s) => s.context === context);
  const run = checkRuns(c, sha).find((r) => r.name === context);
  if (run && (!status || run.id > status.id)) {
    if (run.status !== 'completed') return 'in_progress';
    return PASSING.has(run.conclusion ?? '') ? 'success' : 'failing';
  }
  if (!status) return 'expected';
  if (status.state === 'success') return 'success';
  return status.state === 'pending' ? 'pending' : 'failing';
}

const isAdmin = (c: RepoCtx) => c.login.toLowerCase() === c.repo.path.owner.toLowerCase();

export const protectionOf = (c: RepoCtx, branch: string): ProtectionRecord | undefined =>
  c.state.protections?.[branch];

/** Why protection holds back a merge of `pr` at `head` by `c.login`, in GitHub's words; undefined when it does not. */
export function protectionRefusal(c: RepoCtx, pr: PullRecord, head: string): string | undefined {
  const p = protectionOf(c, pr.base);
  if (!p || (!p.enforceAdmins && isAdmin(c))) return undefined;
  const verdicts = p.requiredChecks.map((name) => ({ name, v: verdict(c, head, name) }));
  const open = verdicts.filter((x) => x.v !== 'success');
  if (open.length === 1) {
    const { name, v } = open[0] as { name: string; v: CheckVerdict };
    const words = {
      expected: 'expected',
      pending: 'pending',
      in_progress: 'in progress',
      failing: 'failing',
    };
    return `Required status check "${name}" is ${words[v as keyof typeof words]}.`;
  }
  if (open.length > 1) {
    const of = `${open.length} of ${verdicts.length} required status checks`;
    if (open.every((x) => x.v === 'in_progress')) return `${of} are in progress.`;
    if (open.every((x) => x.v === 'expected')) return `${of} are expected.`;
    // In-progress runs are counted in N but not named in the list, as GitHub's messages show.
    const parts = (['expected', 'pending', 'failing'] as const)
      .map((k) => [k, open.filter((x) => x.v === k).length] as const)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${n} ${k}`);
    return `${of} have not succeeded: ${parts.join(' and ')}.`;
  }
  if (p.requiredReviews > 0) {
    const latest = new Map<string, string>();
    for (const r of c.state.reviews.filter((x) => x.pull === pr.number && x.user !== pr.user))
      if (r.state === 'APPROVED' || r.state === 'CHANGES_REQUESTED') latest.set(r.user, r.state);
    const states = [...latest.values()];
    if (states.includes('CHANGES_REQUESTED')) return 'Changes requested by a reviewer with write access.';
    if (states.filter((s) => s === 'APPROVED').length < p.requiredReviews)
      return p.requiredReviews === 1
        ? 'At least 1 approving review is required by reviewers with write access.'
        : `At least ${p.requiredReviews} approving reviews are required by reviewers with write access.`;
  }
  return undefined;
}

/** The branch's protection as GET /branches/{branch} shows it to anyone who can read the repository. */
export function branchProtection(c: RepoCtx, branch: string) {
  const p = protectionOf(c, branch);
  return {
    protected: !!p,
    protection: {
      enabled: !!p,
      required_status_checks: {
        enforcement_level:
          !p || !p.requiredChecks.length ? 'off' : p.enforceAdmins ? 'everyone' : 'non_admins',
        contexts: p?.requiredChecks ?? [],
        checks: (p?.requiredChecks ?? []).map((context) => ({ context, app_id: null })),
      },
    },
  };
}

function shape(c: Ctx, branch: string, p: ProtectionRecord) {
  const url = `${c.links.repoApi}/branches/${encodeURIComponent(branch)}/protection`;
  return {
    url,
    ...(p.requiredChecks.length
      ? {
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: false,
            contexts: p.requiredChecks,
            checks: p.requiredChecks.map((context) => ({ context, app_id: null })),
            contexts_url: `${url}/required_status_checks/contexts`,
          },
        }
      : {}),
    ...(p.requiredReviews
      ? {
          required_pull_request_reviews: {
            url: `${url}/required_pull_request_reviews`,
            dismiss_stale_reviews: false,
            require_code_owner_reviews: false,
            required_approving_review_count: p.requiredReviews,
          },
        }
      : {}),
    enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins },
  };
}

async function admin(c: Ctx, branch: string): Promise<void> {
  if (!isAdmin(c)) throw new GitHubError(403, 'Must have admin rights to Repository.');
  if (!(await c.repo.git.branches()).has(branch)) throw new GitHubError(404, 'Branch not found');
}

type ProtectionIn = {
  required_status_checks: { strict?: boolean; contexts?: string[]; checks?: { context: string }[] } | null;
  enforce_admins: boolean | null;
  required_pull_request_reviews: { required_approving_review_count?: number } | null;
  restrictions: unknown;
};

export const protectionRoutes: Route[] = [
  // Rules from repository rulesets that apply to a branch (classic protection is not among them):
  // the sandbox has no rulesets.
  route('GET', '/rules/branches/:branch+', async (c) => c.send(200, [])),
  route('PUT', '/branches/:branch+/protection', async (c, p) => {
    const branch = p.branch as string;
    await admin(c, branch);
    const b = await body<ProtectionIn>(c);
    for (const key of [
      'required_status_checks',
      'enforce_admins',
      'required_pull_request_reviews',
      'restrictions',
    ] as const)
      if (!(key in b)) throw new GitHubError(422, `Invalid request.\n\n"${key}" wasn't supplied.`);
    const checks = b.required_status_checks;
    if (checks?.strict)
      throw invalid({ resource: 'Protection', field: 'strict', code: 'unsupported by the sandbox' });
    if (b.restrictions)
      throw invalid({ resource: 'Protection', field: 'restrictions', code: 'unsupported by the sandbox' });
    const count =
      b.required_pull_request_reviews?.required_approving_review_count ??
      (b.required_pull_request_reviews ? 1 : 0);
    if (!Number.isInteger(count) || count < 0 || count > 6)
      throw invalid({ resource: 'Protection', field: 'required_approving_review_count', code: 'invalid' });
    const rec: ProtectionRecord = {
      requiredChecks: [
        ...new Set([...(checks?.contexts ?? []), ...(checks?.checks ?? []).map((x) => x.context)]),
      ],
      requiredReviews: count,
      enforceAdmins: b.enforce_admins === true,
    };
    (c.state.protections ??= {})[branch] = rec;
    c.store.save();
    c.send(200, shape(c, branch, rec));
  }),
  route('GET', '/branches/:branch+/protection', async (c, p) => {
    const branch = p.branch as string;
    await admin(c, branch);
    const rec = protectionOf(c, branch);
    if (!rec) throw new GitHubError(404, 'Branch not protected');
    c.send(200, shape(c, branch, rec));
  }),
  route('DELETE', '/branches/:branch+/protection', async (c, p) => {
    const branch = p.branch as string;
    await admin(c, branch);
    if (!protectionOf(c, branch)) throw new GitHubError(404, 'Branch not protected');
    delete c.state.protections?.[branch];
    c.store.save();
    c.res.writeHead(204).end();
  }),
];
