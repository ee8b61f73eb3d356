/**
 * Every configuration path the code tells people to set (`plugins.<id>.<key>` in a hint or an
 * error) exists: the plugin id is a config section and the key is in that plugin's schema. Hints
 * once sent people to `plugins.gitops-pr…`, which no configuration accepts.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { bundledPlugins } from '../src/plugins/index.ts';

const root = join(import.meta.dirname, '..', 'src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });

/** The top-level keys a plugin's config section accepts. */
function keysOf(schema: z.ZodType | undefined): Set<string> {
  const shape = (schema as unknown as { shape?: Record<string, unknown> } | undefined)?.shape;
  return new Set(Object.keys(shape ?? {}));
}

describe('configuration paths named in the code', () => {
  it('name a plugin section and a key it has', () => {
    const plugins = new Map(bundledPlugins.map((p) => [p.id, keysOf(p.config)]));
    const wrong: string[] = [];
    let seen = 0;
    for (const f of files(root)) {
      const text = readFileSync(f, 'utf8');
      // Not preceded by `.` or a name: `config.plugins.k8s` reads the config, it tells nobody.
      for (const m of text.matchAll(/(?<![\w.])plugins\.([a-z][a-z0-9-]*)(?:\.([a-zA-Z]+))?/g)) {
        const [path, id, key] = m as unknown as [string, string, string | undefined];
        // Words told to people sit in a string or a comment; `plugins.map(…)` on a local array does not.
        const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index);
        if (!/['"`]|\/\/|^\s*\*/.test(line)) continue;
        seen++;
        const keys = plugins.get(id);
        if (!keys) wrong.push(`${relative(root, f)}: ${path} (no plugin ${id})`);
        else if (key && keys.size && !keys.has(key))
          wrong.push(`${relative(root, f)}: ${path} (no key ${key})`);
      }
    }
    expect(seen).toBeGreaterThan(5);
    expect(wrong).toEqual([]);
  });
});
