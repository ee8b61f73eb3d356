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
import { IMAGE_UPDATER, pushFiles } from '../support/git-push.ts';

const REPO = 'https://github.com/sijunkim/infra';
const FILE = 'k8s/apps/friend-app/.argocd-source-friend-app.yaml';
let s: SandboxBot;

/** Dana's Image Updater commits its override straight to master; the sandbox syncs it. */
async function imageUpdaterWrites(app: string, file: string, text: string): Promise<void> {
  await pushFiles(s.run, {
    repo: REPO,
    message: `build: automatic update of ${app}`,
    author: IMAGE_UPDATER,
    files: { [file]: () => text },
  });
}

const runningImage = async (app: string) =>
  (dataOf(await s.exec(`/argo status ${app} --refresh`)).app as { images: { image: string }[] }).images.map(
    (i) => i.image,
  );

/** Bump, check the pull request changes only `file`, merge as bob, and wait for `image` to run. */
async function bumpAndMerge(app: string, tag: string, file: string, says: string[], image: string) {
  const proposed = await s.exec(`/gitops bump ${app} ${tag}`, 'alice');
  expect(proposed.ok, textOf(proposed)).toBe(true);
  for (const line of says) expect(textOf(proposed)).toContain(line);
  const card = proposed.messages.find((m) => m.data?.change)!.data as {
    change: { headSha: string };
    actions: { approve: string };
  };
  const repo = s.run.sandbox.repos.get(REPO)!;
  const base = (await repo.git.resolve('master'))!;
  expect((await repo.git.diff(base, card.change.headSha)).map((f) => f.path)).toEqual([file]);
  const merged = await s.press(card.actions.approve, 'bob');
  expect(textOf(merged)).toMatch(/Merged by bob/);
  await runs(app, image);
}

/** Wait until Argo CD reports `image` among the app's images. */
const runs = (app: string, image: string) =>
  eventually(`${app} to run ${image}`, async () => (await runningImage(app)).includes(image), {
    timeoutMs: 15_000,
  });

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
    await imageUpdaterWrites(
      'friend-app',
      FILE,
      'kustomize:\n  images:\n  - ghcr.io/sijunkim/friend-app:v1.3.9\n',
    );
    await runs('friend-app', 'ghcr.io/sijunkim/friend-app:v1.3.9');
    // (the card escapes the brackets of images[friend-app] for chat markup)
    await bumpAndMerge(
      'friend-app',
      'v1.4.0',
      FILE,
      [
        `${FILE}: kustomize.images`,
        'ghcr.io/sijunkim/friend-app:v1.3.9 → ghcr.io/sijunkim/friend-app:v1.4.0',
      ],
      'ghcr.io/sijunkim/friend-app:v1.4.0',
    );
  });

  it('of a Helm app (parameters) is what runs, and a bump changes the tag parameter, not values.yaml', async () => {
    const file = 'monitoring/grafana/.argocd-source-grafana.yaml';
    // SetHelmImage's parameters, named as the chart's values are (<alias>.helm.image-name/-tag).
    const params = (tag: string) =>
      `helm:\n  parameters:\n  - name: image.repository\n    value: docker.io/grafana/grafana\n    forcestring: true\n  - name: image.tag\n    value: ${tag}\n    forcestring: true\n`;
    await imageUpdaterWrites('grafana', file, params('12.1.2'));
    await runs('grafana', 'docker.io/grafana/grafana:12.1.2');
    await bumpAndMerge(
      'grafana',
      '12.2.0',
      file,
      [`${file}: helm.parameters`, '12.1.2 → 12.2.0'],
      'docker.io/grafana/grafana:12.2.0',
    );
  });
});
