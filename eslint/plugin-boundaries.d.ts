// Types for the rule module (plain JavaScript so eslint.config.js loads it on any Node).
import type { ESLint } from 'eslint';

declare const plugin: ESLint.Plugin;
export default plugin;
