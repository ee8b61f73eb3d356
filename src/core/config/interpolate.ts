/**
 * Resolve `${ENV_VAR}` (with `${VAR:-default}`) in every string of a raw config, and `fooFile: path`
 * keys into `foo` (the secret read from a file, as Kubernetes mounts secrets). `$${` is a literal
 * `${`. Problems are collected with their path, not thrown one by one.
 */
import { readFileSync } from 'node:fs';
import { isSecretKey } from '../redact.ts';

export interface ConfigProblem {
  path: (string | number)[];
  message: string;
}

const envRef = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolateString(
  s: string,
  env: NodeJS.ProcessEnv,
  path: (string | number)[],
  problems: ConfigProblem[],
): string {
  return s.replace(envRef, (m, name: string | undefined, fallback: string | undefined) => {
    if (m === '$${') return '${';
    const v = env[name as string];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    problems.push({ path, message: `environment variable ${name} is not set` });
    return '';
  });
}

export function interpolate(
  value: unknown,
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
  path: (string | number)[] = [],
  readFile: (p: string) => string = (p) => readFileSync(p, 'utf8'),
): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path, problems);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, problems, [...path, i], readFile));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const target = k.endsWith('File') ? k.slice(0, -4) : undefined;
    if (target && isSecretKey(target) && typeof v === 'string') {
      if (target in (value as Record<string, unknown>)) {
        problems.push({ path: [...path, k], message: `set either ${target} or ${k}, not both` });
        continue;
      }
      const file = interpolateString(v, env, [...path, k], problems);
      try {
        out[target] = readFile(file).trim();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        problems.push({ path: [...path, k], message: `cannot read secret file ${file} (${code})` });
      }
      continue;
    }
    out[k] = interpolate(v, env, problems, [...path, k], readFile);
  }
  return out;
}
