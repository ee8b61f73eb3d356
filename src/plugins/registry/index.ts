/**
 * The registry plugin: reads container registries (tags, build dates, digests; never pushes) so
 * that `gitops bump <app>` without a tag can pick the next image the way Argo CD Image Updater
 * would. Optional: without it, a bump needs the tag typed in.
 */
import { definePlugin } from '../../core/plugin.ts';
import { MetricsToken } from '../../core/tokens.ts';
import { RegistryToken } from './api.ts';
import { RegistryConfigSchema } from './config.ts';
import { Registries } from './service.ts';

export { RegistryToken } from './api.ts';

export const registryPlugin = definePlugin({
  id: 'registry',
  summary: 'Container registries: tags, build dates and digests for image bumps (read-only)',
  config: RegistryConfigSchema,
  deps: { metrics: MetricsToken },
  provides: [RegistryToken],
  init({ config, deps, provide }) {
    // Passwords are secrets at every exit already: the core masks every configured `password`.
    provide(RegistryToken, new Registries(config, deps.metrics.observeBackend));
  },
});
