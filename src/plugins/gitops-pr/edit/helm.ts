/**
 * Helm apps: changes go to values files, never to templates. Which keys hold the image, replica
 * count, resources and pod annotations comes from per-app configuration, else from the chart's
 * own templates (`replicas: {{ .Values.replicas }}`), else from the usual names (image.tag,
 * replicaCount, resources, podAnnotations). The change lands in the values file with the highest
 * precedence, so an environment's file overrides the chart's defaults instead of editing them.
 */
import { isMap, parse } from 'yaml';
import { InputError } from '../../../core/errors.ts';
import type { ResolvedApp } from '../../argocd/index.ts';
import type { ChangeIntent } from '../intents.ts';
import type { EditSet } from './edit-set.ts';
import { join } from './edit-set.ts';
import { canonicalRepo } from '../../../core/image-ref.ts';
import { applyWish, formatImage, parseImage, parseWish } from './image-ref.ts';
import { checkQuantity, quantityValue, sameQuantity } from './quantity.ts';
import type { AppSource } from './source.ts';
import { RESTART_ANNOTATION } from './workload-tree.ts';
import { pointedAt } from './workloads.ts';
import type { YamlFile } from './yaml-edit.ts';
import { plain } from './yaml-edit.ts';
import type { ValueMap } from './yaml-text.ts';

/** Dotted values keys for one app (or one container of it). */
export interface ValuesKeys {
  /** A mapping with repository/tag, or a single image string. */
  image?: string;
  /** The tag, when it is not `<image>.tag`. */
  tag?: string;
  replicas?: string;
  resources?: string;
  podAnnotations?: string;
  containers?: Record<string, Pick<ValuesKeys, 'image' | 'tag' | 'resources'>>;
}

type Values = { path: string; file: YamlFile }[];

const segments = (key: string | string[]) => (Array.isArray(key) ? key : key.split('.'));
const get = (obj: unknown, key: string | string[]): unknown =>
  segments(key).reduce<unknown>(
    (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );

/** The effective value of a key (highest precedence wins) and the file that sets it. */
function effective(values: Values, key: string | string[]): { value: unknown; path: string } | undefined {
  for (const v of [...values].reverse()) {
    const doc = v.file.docs[0];
    const value = doc && get(plain(doc, doc.contents), key);
    if (value !== undefined && value !== null) return { value, path: v.path };
  }
  return undefined;
}

/**
 * The one values key whose value names `repo`: a mapping with that `repository`, or an image
 * string of it. Undefined when none does, or when several different keys do.
 */
function imageKeyOf(values: Values, repo: string): string | undefined {
  const found = new Set<string>();
  const walk = (v: unknown, at: string[]) => {
    if (
      typeof v === 'string' &&
      at.length &&
      v.includes(repo) &&
      canonicalRepo(parseImage(v).repo) === canonicalRepo(repo)
    )
      found.add(at.join('.'));
    if (!v || typeof v !== 'object' || Array.isArray(v)) return;
    const o = v as Record<string, unknown>;
    // A chart may split the registry off (`registry: ghcr.io` + `repository: acme/web`).
    const named =
      typeof o.repository === 'string'
        ? typeof o.registry === 'string' && o.registry
          ? `${o.registry}/${o.repository}`
          : o.repository
        : undefined;
    if (named !== undefined && at.length && canonicalRepo(named) === canonicalRepo(repo))
      found.add(at.join('.'));
    else if (named === undefined) for (const [k, x] of Object.entries(o)) walk(x, [...at, k]);
  };
  for (const v of values) {
    const doc = v.file.docs[0];
    if (doc) walk(plain(doc, doc.contents), []);
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** Keys the chart's templates use, when each is used in exactly one way. */
async function inferKeys(
  set: EditSet,
  chartDir: string | undefined,
): Promise<ValuesKeys & { digest?: boolean }> {
  if (chartDir === undefined) return {};
  const dir = join(chartDir, 'templates') as string;
  const texts = await Promise.all(
    (await set.list(dir)).filter((n) => /\.(ya?ml|tpl)$/.test(n)).map((n) => set.read(`${dir}/${n}`)),
  );
  const all = texts.join('\n');
  const one = (re: RegExp): string | undefined => {
    const found = new Set([...all.matchAll(re)].map((m) => m[1] as string));
    return found.size === 1 ? [...found][0] : undefined;
  };
  return {
    replicas: one(/replicas:\s*\{\{-?\s*\.Values\.([\w.]+)/g),
    image:
      one(/image:.*?\.Values\.([\w.]+?)\.(?:repository|tag)\b/g) ??
      one(/image:\s*"?\{\{-?\s*\.Values\.([\w.]+)\s*-?\}\}"?\s*$/gm),
    resources: one(/resources:\s*\n?\s*\{\{-?\s*toYaml\s+\.Values\.([\w.]+)/g),
    podAnnotations: one(/toYaml\s+\.Values\.([\w.]*[pP]odAnnotations)\b/g),
    digest: /\.Values\.[\w.]+\.digest\b/.test(all),
  };
}

/** Refuse when the Application itself sets the key: it wins over every values file. */
function checkOverride(r: ResolvedApp, src: AppSource, key: string): void {
  const spec = src.helm?.spec;
  const param = spec?.parameters?.find(
    (p) => p.name === key || key.startsWith(`${p.name}.`) || p.name.startsWith(`${key}.`),
  );
  let where = param ? `helm.parameters ${param.name}=${param.value}` : undefined;
  if (!where && spec?.valuesObject && get(spec.valuesObject, key) !== undefined) where = 'helm.valuesObject';
  if (!where && spec?.values && get(parse(spec.values), key) !== undefined) where = 'helm.values';
  if (where)
    throw new InputError(
      `${r.ref} sets ${key} in the Application itself (${where}), which wins over the values files.`,
      {
        hint: 'Change it in the Application manifest, or move it into a values file.',
      },
    );
}

export async function planHelm(
  set: EditSet,
  r: ResolvedApp,
  src: AppSource,
  intent: ChangeIntent,
  configured: ValuesKeys = {},
): Promise<void> {
  const h = src.helm as NonNullable<AppSource['helm']>;
  const values: Values = [];
  for (const path of h.valueFiles) {
    const file = await set.open(path);
    if (file) values.push({ path, file });
  }
  // `--path values-prod.yaml` picks the file to write; any other `--path` names the values key.
  const pointed = pointedAt(intent);
  const fileWanted = pointed && /\.ya?ml$/.test(pointed) ? pointed : undefined;
  const top = fileWanted
    ? values.find((v) => v.path === fileWanted || v.path.endsWith(`/${fileWanted}`))
    : values.at(-1);
  if (!top)
    throw new InputError(
      fileWanted
        ? `${fileWanted} is not one of ${r.ref}'s values files (${values.map((v) => v.path).join(', ')}).`
        : `${r.ref} is a Helm app but none of its values files exist (looked for ${h.valueFiles.join(', ')}).`,
    );
  const keyWanted = pointed && !fileWanted ? pointed : undefined;
  const inferred = await inferKeys(set, h.chartDir);
  const container = intent.kind === 'image' || intent.kind === 'resources' ? intent.container : undefined;
  const keys: ValuesKeys = {
    ...inferred,
    ...configured,
    ...(container ? configured.containers?.[container] : {}),
    ...(keyWanted
      ? { image: keyWanted, replicas: keyWanted, resources: keyWanted, podAnnotations: keyWanted }
      : {}),
    // A key naming the tag itself (`app.image.tag`): the image is its parent mapping.
    ...(keyWanted?.endsWith('.tag') ? { image: keyWanted.slice(0, -4), tag: keyWanted } : {}),
  };
  const present = (...names: string[]) => names.find((k) => effective(values, k) !== undefined);
  const set1 = (
    path: string | string[],
    value: string | number,
    same?: (a: string, b: string) => boolean,
  ) => {
    const key = segments(path).join('.');
    checkOverride(r, src, key);
    const doc = top.file.docs[0];
    const root = doc?.contents;
    if (!doc || !isMap(root))
      throw new InputError(`${top.path} has no mapping at its top; deckhand cannot add ${key} to it.`);
    const was = effective(values, path);
    const wasText = was && typeof was.value !== 'object' ? String(was.value) : undefined;
    if (wasText !== undefined && (same ? same(wasText, String(value)) : wasText === String(value)))
      return set.held(was?.path as string, key, wasText);
    if (was && values.findIndex((v) => v.path === was.path) > values.indexOf(top))
      throw new InputError(`${was.path} sets ${key} too, and it wins over ${top.path}.`, {
        hint: `Leave out --path, or ask for ${was.path}.`,
      });
    const tree = segments(path).reduceRight<ValueMap | string | number>(
      (acc, k) => ({ [k]: acc }),
      value,
    ) as ValueMap;
    const res = top.file.assign(doc, root, tree, { same });
    for (const l of res.changed)
      set.changed(
        top.path,
        l.path,
        l.before ?? (was ? `${wasText} (from ${was.path})` : undefined),
        l.after,
        l.shared,
      );
  };
  const where = `the values files (${values.map((v) => v.path).join(', ')})`;
  const missing = (what: string, looked: string[]) =>
    new InputError(`Could not find ${what} in ${where}; looked for ${looked.join(', ')}.`, {
      hint: `Name the key in plugins.gitops.overrides (apps: [${r.app.metadata.name}], helm: {…}), or point deckhand at it with --path.`,
    });
  switch (intent.kind) {
    case 'image': {
      const wish = parseWish(intent.image);
      // A chart with several images: the values key that already names the asked repository.
      const byRepo = wish.repo && !configured.image && !keyWanted ? imageKeyOf(values, wish.repo) : undefined;
      const key = byRepo ?? keys.image ?? present('image') ?? 'image';
      const now = effective(values, key)?.value;
      if (typeof now === 'string') return set1(key, formatImage(applyWish(parseImage(now), wish)));
      // A registry kept apart names the same repository in two keys: only a different one is written.
      const registry = effective(values, `${key}.registry`)?.value;
      const repository = effective(values, `${key}.repository`)?.value;
      const split =
        typeof registry === 'string' && typeof repository === 'string'
          ? canonicalRepo(`${registry}/${repository}`)
          : undefined;
      if (wish.repo && split !== canonicalRepo(wish.repo)) set1(`${key}.repository`, wish.repo);
      if (wish.tag) set1(keys.tag ?? `${key}.tag`, wish.tag);
      if (wish.digest) {
        if (!inferred.digest && !present(`${key}.digest`))
          throw missing('an image digest value', [`${key}.digest`]);
        set1(`${key}.digest`, wish.digest);
      } else if (effective(values, `${key}.digest`)?.value) set1(`${key}.digest`, '');
      return;
    }
    case 'replicas': {
      if (!Number.isInteger(intent.replicas) || intent.replicas < 0)
        throw new InputError(`${intent.replicas} is not a replica count: give a whole number, 0 or more.`);
      const key = keys.replicas ?? present('replicaCount', 'replicas');
      if (!key) throw missing('the replica count', ['replicaCount', 'replicas']);
      return set1(key, intent.replicas, (a, b) => Number(a) === Number(b));
    }
    case 'resources': {
      const key = keys.resources ?? 'resources';
      if (![intent.limits, intent.requests].some((x) => x?.memory || x?.cpu))
        throw new InputError('Give memory=… and/or cpu=… to set.');
      for (const name of ['memory', 'cpu'] as const) {
        const limit = intent.limits?.[name];
        const request = intent.requests?.[name];
        if (limit) checkQuantity(name, limit);
        if (request) checkQuantity(name, request);
        const l = limit ?? (effective(values, `${key}.limits.${name}`)?.value as string | undefined);
        const q = request ?? (effective(values, `${key}.requests.${name}`)?.value as string | undefined);
        if (l !== undefined && q !== undefined && (quantityValue(l) ?? 0) < (quantityValue(q) ?? 0))
          throw new InputError(
            `The ${name} limit (${l}) would be below the ${name} request (${q}); Kubernetes refuses that.`,
          );
        if (limit) set1(`${key}.limits.${name}`, limit, sameQuantity);
        if (request) set1(`${key}.requests.${name}`, request, sameQuantity);
      }
      return;
    }
    case 'restart': {
      const key = keys.podAnnotations ?? present('podAnnotations');
      if (!key)
        throw missing('a pod annotations value (a restart changes the pod template through it)', [
          'podAnnotations',
        ]);
      return set1([...segments(key), RESTART_ANNOTATION], intent.at);
    }
  }
}
