/**
 * One application in several environments (dev → staging → prod), found the ways teams lay them
 * out: an Argo CD label naming the environment (configured), a kustomize `overlays/<env>` path, a
 * Helm value file `values-<env>.yaml` the Application names, or an `-<env>` name suffix. The same app in each environment is the app whose name (or path) is
 * the same once the environment is taken out.
 */
import type { Application } from '../argocd/index.ts';
import { readApplication, type AppView } from '../argocd/index.ts';

export interface EnvironmentsConfig {
  /** Environments in promotion order, first to last. */
  order: string[];
  /** A label whose value names an app's environment, when the team labels them. */
  label?: string;
}

export interface EnvApp {
  env: string;
  instance: string;
  app: Application;
  view: AppView;
  /** What the app is called with its environment taken out. */
  family: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An app's environment and family, or undefined when it names no environment of `order` — or
 * names two: each sign (the label, an overlays/<env> path, values-<env> files, an -<env> name)
 * must agree, since an environment decides who approves and what merges unapproved. A configured
 * label that names no known environment places the app nowhere rather than guessing past it.
 */
export function placeApp(cfg: EnvironmentsConfig, instance: string, app: Application): EnvApp | undefined {
  const view = readApplication(app);
  const envs = cfg.order;
  const labelled = cfg.label ? view.labels[cfg.label] : undefined;
  if (labelled !== undefined && !envs.includes(labelled)) return undefined;
  const path = view.sources.find((s) => s.path)?.path ?? '';
  const overlay = new RegExp(`(^|/)overlays/(${envs.map(escape).join('|')})(/|$)`).exec(path)?.[2];
  const suffix = new RegExp(`-(${envs.map(escape).join('|')})$`).exec(view.name)?.[1];
  const valuesRe = new RegExp(`(^|/)values-(${envs.map(escape).join('|')})\\.ya?ml$`);
  const values = view.sources.flatMap((s) => s.valueFiles).flatMap((f) => valuesRe.exec(f)?.[2] ?? []);
  const signs = new Set([labelled, overlay, ...values, suffix].filter((e): e is string => !!e));
  if (signs.size !== 1) return undefined;
  const env = [...signs][0] as string;
  const family = view.name.endsWith(`-${env}`)
    ? view.name.slice(0, -env.length - 1)
    : overlay === env
      ? path.replace(new RegExp(`(^|/)overlays/${escape(env)}(/|$)`), '$1overlays/*$2')
      : view.name;
  return { env, instance, app, view, family };
}

/**
 * The family an app reference belongs to, by environment: `flash-api-prod`, or the family name
 * itself (`flash-api`). Several apps of one family in one environment are all kept (the caller
 * says which is ambiguous).
 */
export function familyOf(
  cfg: EnvironmentsConfig,
  apps: { instance: string; app: Application }[],
  wanted: string,
): { family: string; members: Map<string, EnvApp[]> } | undefined {
  const placed = apps.flatMap((a) => placeApp(cfg, a.instance, a.app) ?? []);
  const named = placed.find((p) => p.view.name === wanted);
  const family = named?.family ?? placed.find((p) => p.family === wanted)?.family;
  if (family === undefined) return undefined;
  const members = new Map<string, EnvApp[]>();
  for (const p of placed) if (p.family === family) members.set(p.env, [...(members.get(p.env) ?? []), p]);
  return { family, members };
}
