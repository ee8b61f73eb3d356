/**
 * Advice an on-call engineer can act on without double-checking, through the whole stack: the
 * shop monorepo (test/fixtures/advice/shop.yaml) and the demo world. A revert takes back the commit
 * that broke this app — not the newest one in the repository — and only this app's files, shown
 * line by line before it is offered; a running or requested sync gets no sync advice; an app being
 * deleted gets no change; manifests Argo CD cannot generate are named with the path to correct; a
 * sync that waits is named with what it waits on.
 */
import { dirname, join } from 'node:path';
import { build, type RepoFiles } from '../../src/sandbox/reconciler/kustomize.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf, dataOf, startSandboxBot, type SandboxBot } from '../support/sandbox-bot.ts';

const SHOP = join(import.meta.dirname, '..', 'fixtures', 'advice', 'shop.yaml');
const SHOP_REPO = 'https://github.com/example/shop';

let shop: SandboxBot;
beforeAll(async () => {
  shop = await startSandboxBot({ scenario: SHOP });
}, 60_000);
afterAll(async () => shop?.stop());

/** The sha of a revision expression (HEAD~2) in the shop repository. */
const sha = async (expr: string) => (await shop.run.sandbox.repos.resolve(SHOP_REPO, expr)) as string;

describe('the shop monorepo', () => {
  it('cart: reverts the commit that broke cart, in cart’s files only, not the newest commit', async () => {
    const r = await shop.exec('/diagnose cart');
    const data = dataOf(r);
    expect(data.diagnosis.rootCause).toMatchObject({ category: 'SyncFailed', confidence: 'high' });
    expect(data.fix.intent).toEqual({ kind: 'revert', commit: await sha('HEAD~2') });
    expect(data.fix.preview.files.sort()).toEqual([
      'apps/cart/overlays/prod/kustomization.yaml',
      'apps/cart/overlays/prod/tier.yaml',
    ]);
    // The same commit changed notify's config: that part stays.
    expect(data.fix.preview.summary[0]).toMatch(/in cart's files only: its other file stays as it is$/);
    expect(data.fix.preview.diff).toContain('-  - path: tier.yaml');
    const titles = (r.messages.at(-1)?.blocks ?? []).flatMap((b) => (b.type === 'code' ? [b.title] : []));
    expect(titles).toContainEqual(
      expect.stringMatching(/^The pull request would change apps\/cart\/overlays\/prod\//),
    );
    expect(r.messages.at(-1)?.buttons?.[0]).toMatchObject({
      label: expect.stringMatching(/^Open fix PR: revert [0-9a-f]{7}$/),
    });
  });

  it('orders: manifests that cannot be generated are a ComparisonError, fixed in Git', async () => {
    const data = dataOf(await shop.exec('/diagnose orders'));
    const root = data.diagnosis.rootCause;
    expect(root).toMatchObject({
      category: 'ComparisonError',
      resource: { kind: 'Application', name: 'orders' },
    });
    expect(root.summary).toContain('the source path apps/orders does not exist at this revision');
    expect(root.summary).not.toContain('No change in Git');
    // The commit that moved the directory away, taken back: the app's files come back.
    expect(data.fix.intent).toEqual({ kind: 'revert', commit: await sha('HEAD~1') });
    expect(data.fix.preview.files).toEqual(['apps/orders/deployment.yaml']);
  });

  it('search: a sync is running, so no advice to sync', async () => {
    const r = await shop.exec('/diagnose search');
    const d = dataOf(r).diagnosis;
    expect(d.rootCause).toMatchObject({ category: 'OutOfSync', severity: 'info' });
    expect(d.rootCause.summary).toMatch(/a sync is running; wait for it$/);
    expect(d.withheld).toContain('a sync is running: no advice to sync');
    expect(textOf(r)).not.toMatch(/argo sync/);
  });

  it('mail: a sync that waits is named with the hook and the wave it waits on', async () => {
    const d = dataOf(await shop.exec('/diagnose mail')).diagnosis;
    expect(d.rootCause).toMatchObject({ category: 'SyncStuck', severity: 'warning' });
    expect(d.rootCause.summary).toMatch(
      /^a sync has been running for 20m, waiting for hook Job\/mail-smoke-test \(sync wave 5\)/,
    );
  });

  it('legacy: an app being deleted gets no change proposed', async () => {
    const r = await shop.exec('/diagnose legacy');
    const data = dataOf(r);
    expect(data.diagnosis.rootCause?.category).toBe('SyncFailed');
    expect(data.diagnosis.rootCause?.fix).toBeUndefined();
    expect(data.diagnosis.withheld).toContain('legacy is being deleted: no change is proposed');
    expect(data.fix).toBeUndefined();
    expect(r.messages.at(-1)?.buttons ?? []).toEqual([]);
  });

  it('refuses a fix button an older release stored with an intent that no longer fits', async () => {
    const r = await shop.exec('/diagnose cart');
    const ids = r.messages.flatMap((m) =>
      (m.buttons ?? []).flatMap((b) => ('actionId' in b ? [b.actionId] : [])),
    );
    expect(ids.length).toBeGreaterThan(0);
    const fix = ids[0] as string;
    // As an older release would have stored it: an intent kind gitops does not carry out.
    await shop.bot.store
      .collection<{ params: Record<string, unknown> }>('actions')
      .update(fix, (a) => (a ? { ...a, params: { ...a.params, intent: { kind: 'scale', to: 3 } } } : a));
    const branches = async () => [...(await shop.run.sandbox.repos.get(SHOP_REPO)!.git.branches()).keys()];
    const before = await branches();
    const pressed = await shop.press(fix, 'console');
    expect(pressed.ok).toBe(false);
    expect(textOf(pressed)).toMatch(/issued by an older version and cannot run now/);
    expect(await branches()).toEqual(before);
  });

  it('says a diagnosis is complete when everything was read', async () => {
    for (const app of ['cart', 'orders', 'search', 'mail', 'legacy']) {
      const d = dataOf(await shop.exec(`/diagnose ${app}`)).diagnosis;
      expect([app, d.incomplete, d.unassessed]).toEqual([app, [], []]);
    }
  });
});

describe('the demo world', () => {
  let demo: SandboxBot;
  beforeAll(async () => {
    demo = await startSandboxBot();
  }, 60_000);
  afterAll(async () => demo?.stop());

  it('flash-gateway-staging: the revert is flash-gateway’s staging change, and touches only its files', async () => {
    const data = dataOf(await demo.exec('/diagnose flash-gateway-staging'));
    expect(data.diagnosis.rootCause?.category).toBe('SyncFailed');
    const repo = demo.run.sandbox.repos.get('https://github.com/sijunkim/infra');
    const commit = await repo?.git.commit(data.fix.intent.commit);
    expect(commit?.message).toMatch(/^flash-gateway\(staging\): /);
    for (const f of data.fix.preview.files)
      expect(f).toMatch(/^flash-tickets\/(overlays\/staging|base)\/flash-gateway\//);
  });
});

/**
 * The files an app is built from, as the sandbox's own kustomize build reads them (a second
 * reading, independent of the GitOps plugin's): every file it opened, and their directories.
 */
async function filesOfApp(
  world: SandboxBot,
  app: string,
): Promise<{ files: Set<string>; dirs: Set<string> }> {
  const a = world.run.sandbox.world.instances[0]?.get(app) as unknown as {
    spec: { source: { repoURL: string; path: string } };
    status: { history?: { revision?: string }[] };
  };
  const read = new Set<string>();
  // At the head, and at the revisions deployed (a change may have removed the app's files).
  const revisions = ['HEAD', ...(a.status.history ?? []).flatMap((h) => (h.revision ? [h.revision] : []))];
  for (const rev of revisions) {
    const files = await world.run.sandbox.repos.files(a.spec.source.repoURL, rev);
    const tree: RepoFiles = {
      read: (p) => {
        if (files.has(p)) read.add(p);
        return files.get(p);
      },
      list: (dir) => [
        ...new Set(
          [...files.keys()]
            .filter((f) => f.startsWith(`${dir}/`))
            .map((f) => f.slice(dir.length + 1).split('/')[0] as string),
        ),
      ],
    };
    build(tree, a.spec.source.path);
  }
  return { files: read, dirs: new Set([...read].map((f) => dirname(f))) };
}

describe('every fix offered in these worlds', () => {
  it('changes only the files the app is built from (or new files beside them)', async () => {
    const demo = await startSandboxBot();
    try {
      const worlds: [SandboxBot, string[]][] = [
        [shop, ['cart', 'orders', 'search', 'mail', 'legacy']],
        [demo, demo.run.sandbox.world.instances[0]?.list().map((a) => a.metadata.name) ?? []],
      ];
      let offered = 0;
      for (const [world, apps] of worlds)
        for (const app of apps) {
          const data = dataOf(await world.exec(`/diagnose ${app}`));
          if (!data.fix) continue;
          offered += 1;
          const own = await filesOfApp(world, app);
          for (const f of data.fix.preview.files as string[])
            expect(own.files.has(f) || own.dirs.has(dirname(f)), `${app}: ${f}`).toBe(true);
        }
      expect(offered).toBeGreaterThanOrEqual(4);
    } finally {
      await demo.stop();
    }
  }, 60_000);
});
