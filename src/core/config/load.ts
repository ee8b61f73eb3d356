/**
 * Reading a config file: YAML → `${ENV}` and `<secret>File` resolution → zod validation. Every
 * problem is reported with its path (and line, when it comes from a file), all at once.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import type { z } from 'zod';
import { closest } from '../commands/suggest.ts';
import { interpolate, type ConfigProblem } from './interpolate.ts';
import type { CoreConfig } from './schema.ts';

export class ConfigError extends Error {
  readonly problems: (ConfigProblem & { line?: number })[];
  readonly file?: string;

  constructor(problems: (ConfigProblem & { line?: number })[], file?: string) {
    super(
      `Invalid configuration${file ? ` in ${file}` : ''}:\n` +
        problems
          .map((p) => `  ${formatPath(p.path)}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`)
          .join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
    this.file = file;
  }
}

export const formatPath = (path: readonly PropertyKey[]): string =>
  path.length === 0
    ? '(root)'
    : path
        .map((p, i) =>
          typeof p === 'number' ? `${i === 0 ? '' : '.'}${p}` : `${i === 0 ? '' : '.'}${String(p)}`,
        )
        .join('');

function lineOf(
  doc: ReturnType<typeof parseDocument>,
  counter: LineCounter,
  path: PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  let last: Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      last = (pair.key as Node) ?? last;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
    } else break;
    if (node && typeof node === 'object' && 'range' in node) last = node as Node;
  }
  const offset = last?.range?.[0];
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

function describe(issue: z.core.$ZodIssue, raw: unknown): string {
  if (issue.code === 'invalid_type') {
    let v: unknown = raw;
    for (const k of issue.path)
      v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    if (v === undefined) return 'required';
    return `expected ${issue.expected}, got ${Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v}`;
  }
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  return issue.message;
}

export interface LoadedConfig {
  config: CoreConfig;
  file?: string;
  /** The directory relative paths in the config are taken from. */
  baseDir: string;
}

export function parseConfig(
  text: string | undefined,
  schema: z.ZodType,
  opts: { file?: string; env?: NodeJS.ProcessEnv; baseDir?: string } = {},
): LoadedConfig {
  const env = opts.env ?? process.env;
  const counter = new LineCounter();
  const doc = text === undefined ? undefined : parseDocument(text, { lineCounter: counter });
  if (doc && doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: [],
        message: e.message.split('\n')[0] ?? 'YAML error',
        line: e.linePos?.[0]?.line,
      })),
      opts.file,
    );
  }
  const raw = (doc?.toJS() as unknown) ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([{ path: [], message: 'the configuration must be a mapping' }], opts.file);
  }
  const baseDir = opts.baseDir ?? (opts.file ? dirname(resolve(opts.file)) : process.cwd());
  const problems: ConfigProblem[] = [];
  const readFile = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(baseDir, p), 'utf8');
  const resolved = interpolate(raw, env, problems, [], readFile);
  const parsed = schema.safeParse(resolved);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const known = knownKeys(schema, issue.path);
          const near = closest(key, known);
          problems.push({
            path: [...issue.path, key] as (string | number)[],
            message: `unknown key${near.length ? ` (did you mean ${near[0]}?)` : ''}`,
          });
        }
      } else {
        problems.push({ path: issue.path as (string | number)[], message: describe(issue, resolved) });
      }
    }
  }
  if (problems.length) {
    throw new ConfigError(
      problems.map((p) => ({ ...p, line: doc ? lineOf(doc, counter, p.path) : undefined })),
      opts.file,
    );
  }
  const config = parsed.data as CoreConfig;
  if (!isAbsolute(config.dataDir)) config.dataDir = resolve(baseDir, config.dataDir);
  return { config: deepFreeze(config), file: opts.file, baseDir };
}

export function loadConfigFile(file: string, schema: z.ZodType, env?: NodeJS.ProcessEnv): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      [{ path: [], message: `cannot read ${file} (${(e as NodeJS.ErrnoException).code})` }],
      file,
    );
  }
  return parseConfig(text, schema, { file, env });
}

/** The keys a (strict) object schema accepts at a path, for "did you mean". */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  const unwrap = (x: unknown): unknown => {
    let cur = x as { _zod?: { def?: Record<string, unknown> } };
    for (let i = 0; i < 10 && cur?._zod?.def; i++) {
      const def = cur._zod.def;
      if (def.type === 'object') return cur;
      cur = (def.innerType ??
        def.in ??
        def.schema ??
        (def.type === 'array' ? def.element : undefined)) as typeof cur;
      if (!cur) return undefined;
    }
    return cur;
  };
  for (const k of path) {
    const o = unwrap(s) as
      { _zod?: { def?: { shape?: Record<string, unknown>; type?: string } } } | undefined;
    const def = o?._zod?.def;
    if (typeof k !== 'string') continue;
    s = def?.shape?.[k];
  }
  const o = unwrap(s) as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
  return Object.keys(o?._zod?.def?.shape ?? {});
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
