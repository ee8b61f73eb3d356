/**
 * Image Updater's write-back `git` end to end: friend-app's image is set by
 * `.argocd-source-friend-app.yaml` in its path, as Image Updater writes it. A bump edits that file
 * (a change to the kustomization would not take effect: Argo CD merges the file over the source),
 * bob approves, deckhand merges, and the sandbox — rendering as Argo CD's repo-server does — rolls
 * the new image out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

const REPO = 'https://github.com/sijunkim/infra';
const FILE = 'k8s/apps/friend-app/.argocd-source-friend-app.yaml';
let s: SandboxBot;

/** Dana's Image Updater commits its override straight to master; the sandbox syncs it. */
async function imageUpdaterWrites(tag: string): Promise<void> {
  const repo = s.run.sandbox.repos.get(REPO)!;
  const head = (await repo.git.resolve('master'))!;
  const text = `kustomize:\n  images:\n  - ghcr.io/sijunkim/friend-app:${tag}\n`;
  const tree = await repo.git.writeTree(head, [{ path: FILE, sha: await repo.git.writeBlob(text) }]);
  const who = { name: 'argocd-image-updater', email: 'noreply@argoproj.io', date: new Date().toISOString() };
  const commit = await repo.git.commitTree(tree, [head], 'build: automatic update of friend-app', who);
  expect(await repo.moveBranch('master', commit, head)).toBe(true);
}

const runningImage = async () =>
  (
    dataOf(await s.exec('/argo status friend-app --refresh')).app as { images: { image: string }[] }
  ).images.map((i) => i.image);

beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      cfg.plugins.gitops.followUp = {
        ...cfg.plugins.gitops.followUp,
        timeoutSeconds: 20,
        settleSeconds: 0.2,
      };
    },
  });
}, 60_000);
afterAll(async () => s?.stop());

describe('an image set by an .argocd-source file', () => {
  it('is what runs, and a bump changes it there; merged, it rolls out', async () => {
    await imageUpdaterWrites('v1.3.9');
    await eventually(
      'friend-app to run v1.3.9',
      async () => (await runningImage()).includes('ghcr.io/sijunkim/friend-app:v1.3.9'),
      {
        timeoutMs: 15_000,
      },
    );

    const proposed = await s.exec('/gitops bump friend-app v1.4.0', 'alice');
    expect(proposed.ok, textOf(proposed)).toBe(true);
    // (the card escapes the brackets of images[friend-app] for chat markup)
    expect(textOf(proposed)).toContain(`${FILE}: kustomize.images`);
    expect(textOf(proposed)).toContain(
      'ghcr.io/sijunkim/friend-app:v1.3.9 → ghcr.io/sijunkim/friend-app:v1.4.0',
    );
    const card = proposed.messages.find((m) => m.data?.change)!.data as {
      change: { headSha: string };
      actions: { approve: string };
    };
    const repo = s.run.sandbox.repos.get(REPO)!;
    const base = (await repo.git.resolve('master'))!;
    expect((await repo.git.diff(base, card.change.headSha)).map((f) => f.path)).toEqual([FILE]);

    const merged = await s.press(card.actions.approve, 'bob');
    expect(textOf(merged)).toMatch(/Merged by bob/);
    await eventually(
      'friend-app to run v1.4.0',
      async () => (await runningImage()).includes('ghcr.io/sijunkim/friend-app:v1.4.0'),
      {
        timeoutMs: 15_000,
      },
    );
  });
});
