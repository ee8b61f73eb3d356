/** Chat platform adapters created from config (the console is made by the CLI itself). */
import type { AdapterModule } from '../core/adapter.ts';

export const bundledAdapters: AdapterModule[] = [];
