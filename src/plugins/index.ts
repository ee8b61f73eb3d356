/** The plugins deckhand ships with, in no particular order (the host orders them by dependency). */
import { builtinsPlugin } from '../core/builtins/index.ts';
import { argocdPlugin } from './argocd/index.ts';
import { k8sPlugin } from './k8s/index.ts';
import { deliveryPlugin } from './delivery/index.ts';
import { digestPlugin } from './digest/index.ts';
import { gitopsPlugin } from './gitops-pr/index.ts';
import { diagnosisPlugin } from './diagnosis/index.ts';
import { incidentsPlugin } from './incidents/index.ts';
import { notifyPlugin } from './notify/index.ts';
import { registryPlugin } from './registry/index.ts';
import { remediationPlugin } from './remediation/index.ts';
import type { AnyPlugin } from '../core/plugin.ts';

export const bundledPlugins: AnyPlugin[] = [
  builtinsPlugin as AnyPlugin,
  argocdPlugin as AnyPlugin,
  k8sPlugin as AnyPlugin,
  digestPlugin as AnyPlugin,
  gitopsPlugin as AnyPlugin,
  diagnosisPlugin as AnyPlugin,
  incidentsPlugin as AnyPlugin,
  remediationPlugin as AnyPlugin,
  registryPlugin as AnyPlugin,
  deliveryPlugin as AnyPlugin,
  notifyPlugin as AnyPlugin,
];
