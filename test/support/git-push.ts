/**
 * A commit pushed straight to a branch of a sandbox repository, as a person or a bot (Image
 * Updater's write-back git) pushes one: each file's new text made from its text at the head. The
 * sandbox syncs what tracks the branch.
 */
import type { SandboxRun } from '../../src/sandbox/cli.ts';

export const IMAGE_UPDATER = { name: 'argocd-image-updater', email: 'noreply@argoproj.io' };

export async function pushFiles(
  run: SandboxRun,
  o: {
    repo: string;
    branch?: string;
    message: string;
    author: { name: string; email: string };
    /** Each path's new text, from its text at the head (undefined for a new file). */
    files: Record<string, (before: string | undefined) => string>;
  },
): Promise<string> {
  const branch = o.branch ?? 'master';
  const repo = run.sandbox.repos.get(o.repo);
  if (!repo) throw new Error(`the sandbox has no repository ${o.repo}`);
  const head = await repo.git.resolve(branch);
  if (!head) throw new Error(`${o.repo} has no branch ${branch}`);
  const now = await repo.git.snapshot(head);
  const changes = await Promise.all(
    Object.entries(o.files).map(async ([path, make]) => ({
      path,
      sha: await repo.git.writeBlob(make(now.get(path))),
    })),
  );
  const tree = await repo.git.writeTree(head, changes);
  const commit = await repo.git.commitTree(tree, [head], o.message, {
    ...o.author,
    date: new Date().toISOString(),
  });
  if (!(await repo.moveBranch(branch, commit, head))) throw new Error(`${branch} moved while pushing to it`);
  return commit;
}
