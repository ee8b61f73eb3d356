import { describe, expect, it } from 'vitest';
import type { Diagnosis, Finding } from '../diagnosis/index.ts';
import { RuleSchema, type Rule } from './config.ts';
import { decide, ruleMatches } from './rules.ts';

const rule = (over: Record<string, unknown>): Rule =>
  RuleSchema.parse({ name: 'r', action: { kind: 'restart' }, ...over });

const finding = (category: Finding['category'], namespace = 'naver-news'): Finding => ({
  category,
  severity: 'critical',
  confidence: 'high',
  basis: [],
  resource: { kind: 'Deployment', namespace, name: 'naver-news', container: 'naver-news' },
  summary: '',
  evidence: [],
});

const app = { name: 'naver-news', project: 'homelab', namespace: 'naver-news' };

describe('rule matching', () => {
  it('matches on category, and on every optional field that is given', () => {
    const f = finding('OOMKilled');
    expect(ruleMatches(rule({ match: { categories: ['OOMKilled'] } }), f, { app })).toBe(true);
    expect(ruleMatches(rule({ match: { categories: ['CrashLoopBackOff'] } }), f, { app })).toBe(false);
    const all = rule({
      match: {
        categories: ['OOMKilled', 'Evicted'],
        alerts: ['KubePod*'],
        apps: ['naver-*'],
        projects: ['home*'],
        namespaces: ['naver-news'],
      },
    });
    expect(ruleMatches(all, f, { app, alertname: 'KubePodOOMKilled' })).toBe(true);
    expect(ruleMatches(all, f, { app, alertname: 'HighLatency' })).toBe(false);
    // An alert filter needs an alert: a diagnosis without one does not match it.
    expect(ruleMatches(all, f, { app })).toBe(false);
    expect(ruleMatches(all, f, { app: { ...app, name: 'friend-app' }, alertname: 'KubePodCrash' })).toBe(
      false,
    );
    expect(ruleMatches(all, f, { app: { ...app, project: 'prod' }, alertname: 'KubePodCrash' })).toBe(false);
    expect(ruleMatches(all, finding('OOMKilled', 'other'), { app, alertname: 'KubePodCrash' })).toBe(false);
  });

  it('lets the first matching rule decide, about the root cause only', () => {
    const rules = [
      rule({ name: 'only-prod', match: { categories: ['OOMKilled'], projects: ['prod'] } }),
      rule({ name: 'oom', match: { categories: ['OOMKilled'] } }),
      rule({ name: 'oom-too', match: { categories: ['OOMKilled'] } }),
      rule({ name: 'crash', match: { categories: ['CrashLoopBackOff'] } }),
    ];
    const oom = finding('OOMKilled');
    const crash = finding('CrashLoopBackOff');
    const d: Diagnosis = {
      app: 'naver-news',
      sync: 'Synced',
      health: 'Degraded',
      incomplete: [],
      unassessed: [],
      withheld: [],
      findings: [crash, oom],
      rootCause: oom,
    };
    expect(decide(rules, { diagnosis: d, app })).toEqual({ rule: rules[1], finding: oom });
    // The consequence (a crash loop) is not treated while its cause is something no rule allows.
    const onlyCrash = [rules[3] as Rule];
    expect(decide(onlyCrash, { diagnosis: d, app })).toBeUndefined();
    // Without a root cause (the diagnosis could not name one) no rule decides anything.
    expect(decide(onlyCrash, { diagnosis: { ...d, rootCause: undefined }, app })).toBeUndefined();
    expect(decide(rules, { diagnosis: { ...d, findings: [], rootCause: undefined }, app })).toBeUndefined();
  });
});
