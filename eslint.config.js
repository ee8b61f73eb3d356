// Lint rules: typescript-eslint's recommended set, plus the few rules that keep the core honest.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from './eslint/plugin-boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/', '.deckhand/', 'reports/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'tsyringe', message: 'tsyringe belongs to src/core/compose.ts only.' },
            { name: 'child_process', message: 'Use node:child_process (execFile with an argument array).' },
            {
              name: 'node:child_process',
              importNames: ['exec', 'execSync'],
              message: 'No shell: use execFile or spawn with an argument array.',
            },
          ],
        },
      ],
    },
  },
  // TypeScript itself reports undefined names in .ts files; a forgotten await is a bug here.
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-undef': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  // Plugins, core and adapters reach another plugin only through its public module. Tests (and
  // test helpers) may look inside the code they test.
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/testing.ts'],
    plugins: { deckhand: boundaries },
    rules: { 'deckhand/plugin-boundaries': 'error' },
  },
  {
    files: ['src/core/compose.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  // End-to-end tests read free-form JSON answers (`--json`, API bodies); typing each one adds nothing.
  {
    files: ['test/e2e/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
