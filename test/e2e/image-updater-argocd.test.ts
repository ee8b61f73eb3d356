/**
 * Image Updater's write-back `argocd` end to end. naver-news's Application in Git (kept by the app
 * of apps root-app) names its image for Image Updater — the sandbox plays it — which writes the
 * image it chose to the live Application only, as that write-back method does. A bump therefore goes to the Application's
 * manifest in Git, sets the image there and pins it with Image Updater's own annotation, so the
 * automation does not move it again; root-app applies the manifest, naver-news rolls the image
 * out, and `/argo status` shows the pin. An unpin takes it back; when Image Updater then moves the
 * image on, `/argo rollback` brings the previous build back — set and pinned in one pull request.
 */
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { step } from '../support/step.ts';
import { eventually } from '../support/wait.ts';
import { IMAGE_UPDATER, pushFiles } from '../support/git-push.ts';

const REPO = 'https://github.com/sijunkim/infra';
const MANIFEST = 'argocd/apps/naver-news.yaml';
const IMAGE = 'ghcr.io/sijunkim/naver-news-spring';
const IMAGE_UPDATER_KEY = 'argocd-image-updater.argoproj.io';
const ALLOW = `${IMAGE_UPDATER_KEY}/news.allow-tags`;
let s: SandboxBot;

/** A commit on master as a person would push it (the sandbox syncs what tracks master). */
async function push(file: string, edit: (doc: Record<string, any>) => void, message: string): Promise<void> {
  await pushFiles(s.run, {
    repo: REPO,
    message,
    author: { name: 'Sijun Kim', email: 'sijun@example.com' },
    files: {
      [file]: (before) => {
        const doc = parse(before ?? '');
        edit(doc);
        return stringify(doc);
      },
    },
  });
}

/** The Application as the sandbox's Argo CD holds it (naver-news unless said). */
const live = (app = 'naver-news') =>
  s.run.sandbox.world.instances[0]!.get(app, 'argocd') as Record<string, any>;

/** One pass of the sandbox's Image Updater, as naver-news saw it. */
const updaterMoves = async () =>
  (await s.run.sandbox.runImageUpdater()).filter((m) => m.app === 'naver-news');

const images = async () =>
  (
    dataOf(await s.exec('/argo status naver-news --refresh')).app as { images: { image: string }[] }
  ).images.map((i) => i.image);

/** friend-app, whose image Image Updater commits to Git (write-back git) in these tests. */
const FRIEND_SOURCE = 'k8s/apps/friend-app/.argocd-source-friend-app.yaml';
const FRIEND_APP = 'argocd/apps/friend-app.yaml';
const FRIEND_IMAGE = 'ghcr.io/sijunkim/friend-app';

/** Image Updater's annotations on friend-app's manifest, applied by root-app before going on. */
async function followWithGitWriteBack(message: string): Promise<void> {
  const list = `web=${FRIEND_IMAGE}`;
  await push(
    FRIEND_APP,
    (d) => {
      d.metadata.annotations = {
        [`${IMAGE_UPDATER_KEY}/image-list`]: list,
        [`${IMAGE_UPDATER_KEY}/write-back-method`]: 'git',
      };
    },
    message,
  );
  await eventually('root-app to apply the annotations', async () => {
    const a = live('friend-app').metadata.annotations ?? {};
    return (
      a[`${IMAGE_UPDATER_KEY}/image-list`] === list && a[`${IMAGE_UPDATER_KEY}/write-back-method`] === 'git'
    );
  });
}

/** Image Updater's commit of a build to friend-app's .argocd-source file. */
const commitBuild = (tag: string, message = 'build: automatic update of friend-app') =>
  pushFiles(s.run, {
    repo: REPO,
    message,
    author: IMAGE_UPDATER,
    files: { [FRIEND_SOURCE]: () => `kustomize:\n  images:\n  - ${FRIEND_IMAGE}:${tag}\n` },
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
}, 30_000);
afterAll(() => s?.stop());

describe("Image Updater's write-back, argocd and git", () => {
  it('bumps in the Application manifest with a pin, shows it, unpins, and rolls back with a pin', async () => {
    await step(
      'Image Updater watches naver-news (annotations in Git) and writes the newest build to the live Application',
      async () => {
        await push(
          MANIFEST,
          (d) => {
            d.metadata.annotations = {
              'argocd-image-updater.argoproj.io/image-list': `news=${IMAGE}`,
              'argocd-image-updater.argoproj.io/news.update-strategy': 'newest-build',
              [ALLOW]: 'regexp:^master-',
            };
          },
          'naver-news: let Image Updater follow CI builds',
        );
        await eventually(
          'root-app to apply the annotations',
          async () => live().metadata.annotations?.[ALLOW] === 'regexp:^master-',
        );
        expect(await updaterMoves()).toEqual([
          { app: 'naver-news', alias: 'news', from: 'master-3f9c2e1', to: 'master-484af0a' },
        ]);
        expect(live().spec.source.kustomize.images).toEqual([`${IMAGE}:master-484af0a`]);
        await eventually('naver-news to run the build Image Updater chose', async () =>
          (await images()).includes(`${IMAGE}:master-484af0a`),
        );
        expect(textOf(await s.exec('/argo status naver-news'))).toMatch(/Image Updater/);
      },
    );

    let card: { change: { headSha: string }; actions: { approve: string } };
    await step(
      'a bump back to master-9b1d4a7 changes only the Application manifest, with a pin',
      async () => {
        const r = await s.exec(`/gitops bump naver-news master-9b1d4a7`, 'alice');
        expect(r.ok, textOf(r)).toBe(true);
        expect(textOf(r)).toContain(MANIFEST);
        card = r.messages.find((m) => m.data?.change)!.data as typeof card;
        const repo = s.run.sandbox.repos.get(REPO)!;
        const base = (await repo.git.resolve('master'))!;
        const diff = await repo.git.diff(base, card.change.headSha);
        expect(diff.map((f) => f.path)).toEqual([MANIFEST]);
        const after = parse((await repo.git.snapshot(card.change.headSha)).get(MANIFEST)!);
        expect(after.spec.source.kustomize.images).toEqual([`${IMAGE}:master-9b1d4a7`]);
        expect(after.metadata.annotations[ALLOW]).toBe('regexp:^master-9b1d4a7$');
        const pin = JSON.parse(after.metadata.annotations['deckhand.dev/pin.news']);
        expect(pin).toMatchObject({ tag: 'master-9b1d4a7', by: 'alice' });
        // Everything else in the manifest is as it was.
        const before = parse((await repo.git.snapshot(base)).get(MANIFEST)!);
        delete after.spec.source.kustomize;
        delete after.metadata.annotations[ALLOW];
        delete after.metadata.annotations['deckhand.dev/pin.news'];
        delete before.metadata.annotations[ALLOW];
        expect(after).toEqual(before);
      },
    );

    await step('bob merges; root-app applies the manifest and naver-news runs the pinned build', async () => {
      const merged = await s.press(card.actions.approve, 'bob');
      expect(textOf(merged)).toMatch(/Merged by bob/);
      await eventually(
        'the live Application to carry the pin',
        async () => live().metadata.annotations?.[ALLOW] === 'regexp:^master-9b1d4a7$',
      );
      await eventually('naver-news to run master-9b1d4a7', async () =>
        (await images()).includes(`${IMAGE}:master-9b1d4a7`),
      );
    });

    await step(
      '/argo status says the image is pinned, by whom and why; Image Updater leaves it',
      async () => {
        const text = textOf(await s.exec('/argo status naver-news'));
        expect(text).toMatch(/pinned to master-9b1d4a7 by alice/);
        expect(await updaterMoves()).toEqual([{ app: 'naver-news', alias: 'news', from: 'master-9b1d4a7' }]);
        expect(await images()).toContain(`${IMAGE}:master-9b1d4a7`);
      },
    );

    await step('/argo rollback brings the previous build back, pinned, as one pull request', async () => {
      const r = await s.exec('/argo rollback naver-news', 'alice');
      expect(r.ok, textOf(r)).toBe(true);
      expect(dataOf(r)).toMatchObject({ image: `${IMAGE}:master-484af0a` });
      const button = r.messages
        .flatMap((m) => m.buttons ?? [])
        .find((b) => /rollback pull request/.test(b.label)) as { actionId: string };
      const opened = await s.press(button.actionId, 'alice');
      expect(opened.ok, textOf(opened)).toBe(true);
      const rollback = opened.messages.find((m) => m.data?.change)!.data as typeof card;
      const repo = s.run.sandbox.repos.get(REPO)!;
      const after = parse((await repo.git.snapshot(rollback.change.headSha)).get(MANIFEST)!);
      expect(after.spec.source.kustomize.images).toEqual([`${IMAGE}:master-484af0a`]);
      expect(after.metadata.annotations[ALLOW]).toBe('regexp:^master-484af0a$');
      expect(JSON.parse(after.metadata.annotations['deckhand.dev/pin.news'])).toMatchObject({
        by: 'alice',
        reason: `roll back to ${IMAGE}:master-484af0a`,
        // Still the allow-tags of before the first pin, and the entry the first pin added.
        replaced: 'regexp:^master-',
        added: { kustomize: IMAGE },
      });
      expect(textOf(await s.press(rollback.actions.approve, 'bob'))).toMatch(/Merged by bob/);
      await eventually('naver-news to run master-484af0a again', async () => {
        const now = await images();
        return now.includes(`${IMAGE}:master-484af0a`) && !now.includes(`${IMAGE}:master-9b1d4a7`);
      });
      expect(live().metadata.annotations?.[ALLOW]).toBe('regexp:^master-484af0a$');
      expect(await updaterMoves()).toEqual([{ app: 'naver-news', alias: 'news', from: 'master-484af0a' }]);
    });

    await step(
      'an unpin gives the image back to Image Updater: the pin and the entry it added go',
      async () => {
        const r = await s.exec('/gitops unpin naver-news', 'alice');
        expect(r.ok, textOf(r)).toBe(true);
        const unpin = r.messages.find((m) => m.data?.change)!.data as typeof card;
        const repo = s.run.sandbox.repos.get(REPO)!;
        const after = parse((await repo.git.snapshot(unpin.change.headSha)).get(MANIFEST)!);
        // The allow-tags the pin replaced comes back; Git sets the image no more.
        expect(after.metadata.annotations[ALLOW]).toBe('regexp:^master-');
        expect(after.metadata.annotations['deckhand.dev/pin.news']).toBeUndefined();
        expect(after.spec.source.kustomize).toBeUndefined();
        expect(textOf(await s.press(unpin.actions.approve, 'bob'))).toMatch(/Merged by bob/);
        await eventually(
          'root-app to drop the pin and the override Git had set',
          async () =>
            live().metadata.annotations?.[ALLOW] === 'regexp:^master-' && !live().spec.source.kustomize,
        );
      },
    );

    await step('Image Updater, free again, writes its choice to the live Application', async () => {
      // Without the override, naver-news first runs what its manifests say.
      await eventually('naver-news to run the manifests’ master-3f9c2e1', async () => {
        const now = await images();
        return now.includes(`${IMAGE}:master-3f9c2e1`) && !now.includes(`${IMAGE}:master-484af0a`);
      });
      const [m] = await updaterMoves();
      expect(m).toEqual({ app: 'naver-news', alias: 'news', from: 'master-3f9c2e1', to: 'master-484af0a' });
      expect(live().spec.source.kustomize.images).toEqual([`${IMAGE}:master-484af0a`]);
      await eventually('naver-news to run master-484af0a', async () =>
        (await images()).includes(`${IMAGE}:master-484af0a`),
      );
    });
  });

  it('with write-back git, a bump changes the file Image Updater writes and pins the image in the same pull request', async () => {
    const source = FRIEND_SOURCE;
    const app = FRIEND_APP;
    const web = FRIEND_IMAGE;
    await step('Image Updater follows friend-app and committed its choice to Git', async () => {
      await followWithGitWriteBack('friend-app: Image Updater commits its builds');
      await commitBuild('v1.3.2');
    });

    await step(
      'the bump back to v1.2.1 changes the .argocd-source file and pins in the Application',
      async () => {
        const r = await s.exec('/gitops bump friend-app v1.2.1', 'alice');
        expect(r.ok, textOf(r)).toBe(true);
        const card = r.messages.find((m) => m.data?.change)!.data as { change: { headSha: string } };
        const repo = s.run.sandbox.repos.get(REPO)!;
        const base = (await repo.git.resolve('master'))!;
        const changed = (await repo.git.diff(base, card.change.headSha)).map((f) => f.path).sort();
        expect(changed).toEqual([app, source].sort());
        const files = await repo.git.snapshot(card.change.headSha);
        expect(files.get(source)).toContain(`${web}:v1.2.1`);
        const pinned = parse(files.get(app)!);
        expect(pinned.metadata.annotations['argocd-image-updater.argoproj.io/web.allow-tags']).toBe(
          'regexp:^v1\\.2\\.1$',
        );
        expect(JSON.parse(pinned.metadata.annotations['deckhand.dev/pin.web'])).toMatchObject({
          tag: 'v1.2.1',
          by: 'alice',
        });
        expect(pinned.spec).toEqual(parse((await repo.git.snapshot(base)).get(app)!).spec);
      },
    );

    await step(
      'an image Image Updater knows by no alias is bumped all the same, and the card says it is not pinned',
      async () => {
        await push(
          app,
          (d) => {
            d.metadata.annotations['argocd-image-updater.argoproj.io/image-list'] = web;
          },
          'friend-app: no alias',
        );
        await eventually(
          'root-app to apply the image list',
          async () =>
            live('friend-app').metadata.annotations?.['argocd-image-updater.argoproj.io/image-list'] === web,
        );
        // What the bot reads of it too (its watch cache follows Argo CD's events).
        await eventually('deckhand to see the image with no alias', async () => {
          const [img] = (
            dataOf(await s.exec('/argo status friend-app')).app as { images: { alias?: string }[] }
          ).images;
          return img !== undefined && img.alias === undefined;
        });
        const r = await s.exec('/gitops bump friend-app v1.2.0', 'alice');
        expect(r.ok, textOf(r)).toBe(true);
        expect(textOf(r)).toMatch(/Not pinned for Image Updater \(Image Updater manages .* without an alias/);
        const card = r.messages.find((m) => m.data?.change)!.data as { change: { headSha: string } };
        const repo = s.run.sandbox.repos.get(REPO)!;
        const base = (await repo.git.resolve('master'))!;
        expect((await repo.git.diff(base, card.change.headSha)).map((f) => f.path)).toEqual([source]);
      },
    );
  });
  it('with write-back git, a rollback restores the file Image Updater wrote and pins what it set then', async () => {
    const source = FRIEND_SOURCE;
    const app = FRIEND_APP;
    const web = FRIEND_IMAGE;
    const friendImages = async () =>
      (
        dataOf(await s.exec('/argo status friend-app --refresh')).app as { images: { image: string }[] }
      ).images.map((i) => i.image);
    const deployBuild = async (tag: string) => {
      await commitBuild(tag, `build: automatic update of friend-app to ${tag}`);
      await eventually(`friend-app to run ${tag}`, async () =>
        (await friendImages()).includes(`${web}:${tag}`),
      );
    };
    await step(
      'Image Updater (alias web) commits v1.2.1, then v1.3.2, and friend-app runs each',
      async () => {
        await followWithGitWriteBack('friend-app: Image Updater commits its builds, as web');
        await deployBuild('v1.2.1');
        await deployBuild('v1.3.2');
      },
    );

    await step('/argo rollback offers the pull request, which restores v1.2.1 and pins it', async () => {
      const r = await s.exec('/argo rollback friend-app', 'alice');
      expect(r.ok, textOf(r)).toBe(true);
      expect(textOf(r)).toContain("Image Updater writes friend-app's image to Git");
      const button = r.messages
        .flatMap((m) => m.buttons ?? [])
        .find((b) => /revert pull request/.test(b.label)) as { actionId: string };
      const opened = await s.press(button.actionId, 'alice');
      expect(opened.ok, textOf(opened)).toBe(true);
      const card = opened.messages.find((m) => m.data?.change)!.data as {
        change: { headSha: string };
        actions: { approve: string };
      };
      const repo = s.run.sandbox.repos.get(REPO)!;
      const base = (await repo.git.resolve('master'))!;
      expect((await repo.git.diff(base, card.change.headSha)).map((f) => f.path).sort()).toEqual(
        [app, source].sort(),
      );
      const files = await repo.git.snapshot(card.change.headSha);
      expect(files.get(source)).toContain(`${web}:v1.2.1`);
      const annotations = parse(files.get(app)!).metadata.annotations;
      expect(annotations['argocd-image-updater.argoproj.io/web.allow-tags']).toBe('regexp:^v1\\.2\\.1$');
      expect(JSON.parse(annotations['deckhand.dev/pin.web'])).toMatchObject({ tag: 'v1.2.1', by: 'alice' });
      expect(textOf(await s.press(card.actions.approve, 'bob'))).toMatch(/Merged by bob/);
      await eventually('friend-app to run v1.2.1 again, pinned', async () => {
        const now = await friendImages();
        return (
          now.includes(`${web}:v1.2.1`) &&
          live('friend-app').metadata.annotations?.['argocd-image-updater.argoproj.io/web.allow-tags'] ===
            'regexp:^v1\\.2\\.1$'
        );
      });
    });
  });
});
