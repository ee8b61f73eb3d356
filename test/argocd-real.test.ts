/**
 * Real Application objects from public sources (test/fixtures/argocd-real, each naming its source)
 * read by the bot: the one AppView never throws and notes what it could not read, and the status
 * card states every fact the raw object holds (sync, health, each source and revision, images,
 * operation, deletion, owner, conditions) — checked against a second, independent reading.
 */
import { describe, expect, it } from 'vitest';
import { renderText } from '../src/core/message/render-text.ts';
import { listMessage } from '../src/plugins/argocd/render/list.ts';
import { statusCard } from '../src/plugins/argocd/render/status-card.ts';
import { HEALTH_STATES, SYNC_STATES, readApplication } from '../src/plugins/argocd/view/app-view.ts';
import { GitLinks } from '../src/plugins/argocd/view/links.ts';
import { readTree, withTreeHealth } from '../src/plugins/argocd/view/tree.ts';
import type { Application } from '../src/plugins/argocd/types.ts';
import { expectedFacts, loadCorpus } from './support/argocd-corpus.ts';

const corpus = loadCorpus();
const apps = corpus.filter((c) => c.application);
const NOW = Date.parse('2026-12-01T00:00:00Z');

const card = (app: unknown, tree?: unknown) => {
  const view = readApplication(app);
  return statusCard({
    ref: view.name,
    instance: 'default',
    view,
    resources: tree ? withTreeHealth(view.resources, readTree(tree)) : view.resources,
    commits: new Map(),
    links: new GitLinks(),
    appUrl: 'https://argocd.example.com/applications/x',
    cached: true,
    notes: [],
    now: NOW,
  });
};

describe('the corpus of real Application objects', () => {
  it('holds at least 25 applications from public sources, each naming its source', () => {
    expect(apps.length).toBeGreaterThanOrEqual(25);
  });

  it.each(apps.map((c) => [c.file, c] as const))(
    '%s: the status card states every fact of the object',
    (_f, c) => {
      const text = renderText(card(c.application));
      for (const fact of expectedFacts(c.application))
        expect(text, `${fact.why}: ${fact.text}`).toContain(fact.text);
    },
  );

  it('reads a never-reconciled app (Go zero values) as its own state, not a blank', () => {
    const zero = apps.find((c) => c.shows.includes('not-reconciled') || c.file.includes('zero-status'));
    expect(zero).toBeDefined();
    const v = readApplication(zero?.application);
    expect([v.reconciled, v.sync, v.health]).toEqual([false, 'NotReconciled', 'NotReconciled']);
    expect(renderText(card(zero?.application))).not.toMatch(/: ,|Sync: +\n/);
  });

  it('lists every application of the corpus with a readable sync and health', () => {
    const rows = apps.map((c) => ({ instance: 'default', app: c.application as unknown as Application }));
    const m = listMessage(rows, {
      page: 1,
      pageSize: 200,
      multiInstance: false,
      filters: '',
      failures: [],
      total: rows.length,
    });
    const listed = m.data?.apps as { sync: string; health: string }[];
    expect(listed).toHaveLength(rows.length);
    for (const a of listed) {
      expect(SYNC_STATES).toContain(a.sync);
      expect(HEALTH_STATES).toContain(a.health);
    }
    // No blank count ("Sync:  1") and no blank cell.
    expect(renderText(m)).not.toMatch(/(Sync|Health): +\d| {2}·|· {2}/);
  });

  it('fills per-resource health from a real 3.x resource tree', () => {
    const tree = corpus.find((c) => c.resourceTree)?.resourceTree as {
      nodes: {
        kind: string;
        name: string;
        namespace?: string;
        group?: string;
        health?: { status: string };
      }[];
    };
    expect(tree).toBeDefined();
    const withHealth = tree.nodes.find((n) => n.health);
    const resources = withTreeHealth(
      [
        {
          kind: withHealth?.kind ?? '',
          name: withHealth?.name ?? '',
          namespace: withHealth?.namespace,
          group: withHealth?.group,
          hook: false,
          requiresPruning: false,
        },
      ],
      readTree(tree),
    );
    expect(resources[0]?.health?.status).toBe(withHealth?.health?.status);
  });

  it('says what it could not read instead of failing on an object missing its spec', () => {
    const broken = apps.find((c) => !(c.application as { spec?: unknown }).spec);
    expect(broken).toBeDefined();
    const v = readApplication(broken?.application);
    expect(v.unreadable).toContain('spec is missing');
    expect(renderText(card(broken?.application))).toMatch(/could not read: .*spec is missing/);
  });
});
