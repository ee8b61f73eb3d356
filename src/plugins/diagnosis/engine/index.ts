/** The diagnosis engine's public surface: rules find causes in an app snapshot; nothing else. */
export { diagnose, summarize } from './diagnose.ts';
export { categories } from './types.ts';
export type {
  Category,
  Diagnosis,
  DiagnoseOptions,
  Finding,
  Fix,
  FixIntent,
  ResourceRef,
  Severity,
} from './types.ts';
