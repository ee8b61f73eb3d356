/**
 * The project's own lint rule: a plugin (or core, or an adapter) reaches another plugin only
 * through that plugin's public module, its index.ts.
 */
import { resolve } from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import boundaries from '../eslint/plugin-boundaries.js';

const linter = new Linter({ configType: 'flat' });
const config = [
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser as Linter.Parser },
    plugins: { deckhand: boundaries },
    rules: { 'deckhand/plugin-boundaries': 'error' as const },
  },
];
const lint = (file: string, code: string) =>
  linter.verify(code, config, { filename: resolve(import.meta.dirname, '..', file) }).map((m) => m.message);

describe('deckhand/plugin-boundaries', () => {
  it("refuses another plugin's internal file, from a plugin, core or an adapter", () => {
    expect(lint('src/plugins/digest/x.ts', "import { a } from '../argocd/view/app-view.ts';")).toEqual([
      expect.stringMatching(
        /internal file of the argocd plugin; import what you need from its public module/,
      ),
    ]);
    expect(lint('src/core/x.ts', "import type { A } from '../plugins/k8s/snapshot.ts';")).toHaveLength(1);
    expect(lint('src/plugins/diagnosis/engine/x.ts', "export * from '../../k8s/snapshot.ts';")).toHaveLength(
      1,
    );
    expect(
      lint('src/adapters/slack/x.ts', "const m = await import('../../plugins/argocd/service.ts');"),
    ).toHaveLength(1);
  });

  it("allows a plugin's public module, its own files, and everything outside the plugins", () => {
    expect(lint('src/plugins/digest/x.ts', "import { ArgoToken } from '../argocd/index.ts';")).toEqual([]);
    expect(
      lint('src/plugins/argocd/commands/x.ts', "import { REVERT_ACTION } from '../../gitops-pr/api.ts';"),
    ).toEqual([]);
    expect(lint('src/plugins/argocd/commands/x.ts', "import { view } from '../view/app-view.ts';")).toEqual(
      [],
    );
    expect(lint('src/plugins/digest/x.ts', "import { code } from '../../core/message/markup.ts';")).toEqual(
      [],
    );
    expect(lint('src/plugins/digest/x.ts', "import { z } from 'zod';")).toEqual([]);
  });
});
