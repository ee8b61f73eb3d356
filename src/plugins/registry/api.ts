/**
 * What other plugins may use of the registry plugin: its service token and the types of a tag
 * policy and a pick. A leaf module: it imports no other plugin.
 */
import { token } from '../../core/token.ts';
import type { Registries } from './service.ts';

export type { NextImage, Registries as RegistryService } from './service.ts';
export type { Skipped, Strategy, TagPolicy } from './strategy.ts';
export { strategyOf } from './strategy.ts';
export { compareTags } from './semver.ts';

export const RegistryToken = token<Registries>('Registry');
