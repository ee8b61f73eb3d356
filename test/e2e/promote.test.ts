/**
 * One app across dev → staging → prod in the demo world (the Flash Tickets family: -<env> names,
 * overlays/<env> paths): `/gitops envs` side by side with what is ahead where, and
 * `/gitops promote` copying the image of an environment that runs well to the next one's overlay,
 * refused when the source is not Synced and Healthy or the target already runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsConfigSchema } from '../../src/core/approvals.ts';
import { parse } from 'yaml';
import { pushFiles } from '../support/git-push.ts';
import { dataOf, startSandboxBot, textOf, type SandboxBot } from '../support/sandbox-bot.ts';
import { eventually } from '../support/wait.ts';

const REPO = 'https://github.com/sijunkim/infra';
let s: SandboxBot;
beforeAll(async () => {
  s = await startSandboxBot({
    overrides: (cfg) => {
      // Promotion policy per target environment: prod takes its approval from its own people,
      // dev takes deckhand's changes merged at once.
      cfg.approvals = ApprovalsConfigSchema.parse({
        policies: [{ environments: ['prod'], approvers: { users: ['console'] } }],
      });
      cfg.plugins.gitops.environments = {
        ...cfg.plugins.gitops.environments,
        autoMerge: ['dev'],
        promote: [{ apps: ['flash-web'], keys: ['kustomization.yaml:configMapGenerator'] }],
      };
    },
  });
}, 60_000);
afterAll(async () => s?.stop());

describe('gitops envs', () => {
  it('shows the family in promotion order, and that staging is ahead of prod', async () => {
    const r = await s.exec('/gitops envs flash-api', 'carol');
    expect(r.ok).toBe(true);
    const d = dataOf(r) as {
      family: string;
      environments: { env: string; apps: { name: string }[] }[];
      ahead: string[];
    };
    expect(d.family).toBe('flash-api');
    expect(d.environments.map((e) => [e.env, e.apps.map((a) => a.name)])).toEqual([
      ['dev', ['flash-api-dev']],
      ['staging', ['flash-api-staging']],
      ['prod', ['flash-api-prod']],
    ]);
    expect(d.ahead).toEqual(['staging is ahead of prod: ghcr.io/sijunkim/flash-api:1.15.0 vs 1.14.2']);
    // Any member names the family.
    expect((dataOf(await s.exec('/gitops envs flash-api-prod', 'carol')) as { family: string }).family).toBe(
      'flash-api',
    );
  });

  it('says so for an app in no environment', async () => {
    const r = await s.exec('/gitops envs friend-app', 'carol');
    expect(r.ok).toBe(false);
    expect(textOf(r)).toContain('friend-app is in no environment deckhand knows (dev, staging, prod).');
  });
});

describe('gitops promote', () => {
  it("copies staging's image to prod's overlay, one line, with why in the pull request", async () => {
    const repo = s.run.sandbox.repos.get(REPO)!;
    const base = (await repo.git.resolve('master'))!;
    const r = await s.exec('/gitops promote flash-web --from staging --to prod', 'alice');
    expect(r.ok).toBe(true);
    expect(textOf(r)).toContain(
      'Promoting ghcr.io/sijunkim/flash-web:2.8.0 (now 2.7.3) from staging (flash-web-staging, Synced and Healthy) to prod (flash-web-prod).',
    );
    const card = r.messages.find((m) => m.data?.change)!.data as { change: { headSha: string } };
    const files = await repo.git.diff(base, card.change.headSha);
    expect(files.map((f) => [f.path, f.patch.split('\n').filter((l) => /^[+-](?![+-])/.test(l))])).toEqual([
      [
        'flash-tickets/overlays/prod/flash-web/kustomization.yaml',
        [expect.stringMatching(/^-\s*newTag: 2\.7\.3$/), expect.stringMatching(/^\+\s*newTag: 2\.8\.0$/)],
      ],
    ]);
    expect(textOf(r)).toContain('promote from staging (flash-web-staging)');
  });

  it('refuses a source that is not Synced and Healthy, and a target that already runs it', async () => {
    const sick = await s.exec('/gitops promote flash-pay-worker --from staging --to prod', 'alice');
    expect(sick.ok).toBe(false);
    expect(textOf(sick)).toContain(
      'flash-pay-worker-staging is Synced and Progressing; deckhand promotes only what runs well.',
    );
    const same = await s.exec('/gitops promote flash-api-dev --to staging', 'alice');
    expect(same.ok).toBe(true);
    expect(textOf(same)).toContain('flash-api-staging already runs what flash-api-dev runs');
    expect(same.messages.some((m) => m.data?.change)).toBe(false);
  });

  it('refuses bad environments and people who may not propose, proposing nothing', async () => {
    const unknown = await s.exec('/gitops promote flash-api --from qa --to prod', 'alice');
    expect(textOf(unknown)).toContain('qa is not an environment deckhand knows (dev, staging, prod).');
    const skip = await s.exec('/gitops promote flash-api --from dev --to prod', 'alice');
    expect(textOf(skip)).toContain(
      'Promotion goes one environment forward, in the order dev → staging → prod: dev promotes to staging, not prod.',
    );
    const backwards = await s.exec('/gitops promote flash-api --from prod --to staging', 'alice');
    expect(backwards.ok).toBe(false);
    const noFrom = await s.exec('/gitops promote flash-api --to prod', 'alice');
    expect(textOf(noFrom)).toContain('Say which environment to promote from: --from <env>.');
    const viewer = await s.exec('/gitops promote flash-api-staging --to prod', 'carol');
    expect(viewer.ok).toBe(false);
    expect(textOf(viewer)).toContain('You (carol) need the permission gitops.propose.');
  });
});

describe('promotion into prod under the prod policy', () => {
  it('takes the approval of a prod approver, not of any approver', async () => {
    const r = await s.exec('/gitops promote flash-api --from staging --to prod', 'alice');
    expect(r.ok).toBe(true);
    const card = r.messages.find((m) => m.data?.change)!.data as { actions: { approve: string } };
    const bob = await s.press(card.actions.approve, 'bob');
    expect(bob.ok).toBe(false);
    expect(textOf(bob)).toMatch(/Only console may approve changes to flash-api-prod/);
    const prod = await s.press(card.actions.approve, 'console');
    expect(prod.ok).toBe(true);
    expect(textOf(prod)).toMatch(/Merged by console/);
  });
});

describe('promoting config with the images', () => {
  const STAGING = 'flash-tickets/overlays/staging/flash-web/kustomization.yaml';
  const PROD = 'flash-tickets/overlays/prod/flash-web/kustomization.yaml';

  it("copies staging's configured keys as staging runs them, with its image, in one pull request", async () => {
    const commit = await pushFiles(s.run, {
      repo: REPO,
      message: 'flash-web: checkout v2 in staging',
      author: { name: 'Sijun Kim', email: 'sijun@example.com' },
      files: {
        [STAGING]: (before) =>
          `${before}configMapGenerator:\n  - name: flash-web-config\n    literals:\n      - CHECKOUT_V2=true\n      - REGION=kr\n`,
      },
    });
    await eventually('staging to run the commit, Synced and Healthy', async () => {
      const app = dataOf(await s.exec('/argo status flash-web-staging --refresh')).app as {
        sync: string;
        health: string;
        revision?: string;
        sources?: { revision?: string }[];
      };
      return app.sync === 'Synced' && app.health === 'Healthy' && JSON.stringify(app).includes(commit);
    });
    const repo = s.run.sandbox.repos.get(REPO)!;
    const base = (await repo.git.resolve('master'))!;
    const r = await s.exec('/gitops promote flash-web --from staging --to prod --what all', 'alice');
    expect(r.ok, textOf(r)).toBe(true);
    expect(textOf(r)).toContain(
      'Promoting ghcr.io/sijunkim/flash-web:2.8.0 (now 2.7.3), configMapGenerator from kustomization.yaml from staging',
    );
    const card = r.messages.find((m) => m.data?.change)!.data as { change: { headSha: string } };
    expect((await repo.git.diff(base, card.change.headSha)).map((f) => f.path)).toEqual([PROD]);
    const [before, after] = [base, card.change.headSha].map(async (sha) =>
      parse((await repo.git.snapshot(sha)).get(PROD)!),
    );
    const [was, now] = [await before, await after];
    expect(now.configMapGenerator).toEqual([
      { name: 'flash-web-config', literals: ['CHECKOUT_V2=true', 'REGION=kr'] },
    ]);
    expect(now.images).toEqual([{ name: 'ghcr.io/sijunkim/flash-web', newTag: '2.8.0' }]);
    // Nothing else: prod keeps its namespace and its replica count.
    expect({ ...now, configMapGenerator: undefined, images: undefined }).toEqual({
      ...was,
      configMapGenerator: undefined,
      images: undefined,
    });
  });

  it('says which keys there are none of, and refuses a key that is not <file>:<key>', async () => {
    const none = await s.exec('/gitops promote flash-api --from staging --to prod --what config', 'alice');
    expect(none.ok).toBe(false);
    expect(textOf(none)).toContain('No config keys are set to be promoted for flash-api.');
    const missing = await s.exec(
      '/gitops promote flash-api --from staging --to prod --keys kustomization.yaml:configMapGenerator',
      'alice',
    );
    expect(missing.ok).toBe(false);
    expect(textOf(missing)).toContain('sets no configMapGenerator in staging');
    const bad = await s.exec('/gitops promote flash-api --from staging --to prod --keys replicas', 'alice');
    expect(textOf(bad)).toContain('replicas is not a key to copy');
    expect([none, missing, bad].some((x) => x.messages.some((m) => m.data?.change))).toBe(false);
  });
});

describe('an environment that merges without approval (dev)', () => {
  it("merges a bump of a dev app at once and says so; staging's still waits for an approval", async () => {
    const r = await s.exec('/gitops bump flash-gateway-dev 0.9.6', 'alice');
    expect(r.ok, textOf(r)).toBe(true);
    expect(textOf(r)).toMatch(
      /Merged #\d+ .* without an approval: dev takes deckhand's changes as they come/,
    );
    const repo = s.run.sandbox.repos.get(REPO)!;
    const head = (await repo.git.snapshot((await repo.git.resolve('master'))!)).get(
      'flash-tickets/overlays/dev/flash-gateway/kustomization.yaml',
    );
    expect(head).toContain('newTag: 0.9.6');
    const staging = await s.exec('/gitops bump flash-gateway-staging 0.9.6', 'alice');
    expect(staging.ok, textOf(staging)).toBe(true);
    expect(staging.messages.find((m) => m.data?.change)?.data).toMatchObject({
      actions: { approve: expect.any(String) },
    });
  });
});

describe('configuration', () => {
  it('turns gitops off at start, saying why, for an approval policy of an environment not in the order', async () => {
    const bad = await startSandboxBot({
      overrides: (cfg) => {
        cfg.approvals = ApprovalsConfigSchema.parse({
          policies: [{ environments: ['production'], required: 2 }],
        });
      },
    });
    try {
      expect(bad.bot.host.failed).toEqual([
        {
          id: 'gitops',
          reason: expect.stringContaining(
            'environments production are not in plugins.gitops.environments.order (dev, staging, prod)',
          ),
        },
      ]);
      // Nothing that writes through Git is there to take the weaker policy.
      expect((await bad.exec('/gitops promote flash-api --from staging --to prod', 'alice')).ok).toBe(false);
    } finally {
      await bad.stop();
    }
  });
});
