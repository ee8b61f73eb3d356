/** The k8s plugin's configuration: how to reach each cluster the applications deploy to. */
import { z } from 'zod';
import { secret } from '../../core/config/secret.ts';

export const ClusterSchema = z
  .strictObject({
    name: z.string().min(1).describe("the cluster's name (matches spec.destination.name)"),
    server: z
      .string()
      .min(1)
      .describe('the server address Argo CD knows the cluster by (matches spec.destination.server)'),
    url: z.string().optional().describe('where deckhand reaches the API server, when it differs from server'),
    token: secret(z.string().min(1)).optional().describe('a bearer token (a read-only service account)'),
    caFile: z.string().optional().describe('CA bundle for the API server certificate'),
    insecureSkipTlsVerify: z.boolean().default(false),
    kubeconfig: z.string().optional().describe('a kubeconfig file instead of url+token'),
    context: z.string().optional().describe('the kubeconfig context to use'),
    inCluster: z
      .boolean()
      .default(false)
      .describe('use the pod service account (deckhand runs in this cluster)'),
    timeoutMs: z.number().int().positive().default(5_000),
  })
  .refine((c) => c.inCluster || c.kubeconfig || c.token, {
    message: 'set one of token, kubeconfig or inCluster',
  });

export const K8sConfigSchema = z.strictObject({
  clusters: z.array(ClusterSchema).default([]),
  logs: z
    .strictObject({
      tailLines: z.number().int().min(1).max(5_000).default(100).describe('default lines for /k8s logs'),
      collectLines: z.number().int().min(5).max(500).default(40).describe('lines kept per failing container'),
      maxContainers: z
        .number()
        .int()
        .min(1)
        .max(50)
        .default(6)
        .describe('failing containers whose logs diagnosis reads'),
    })
    .default({ tailLines: 100, collectLines: 40, maxContainers: 6 }),
});

export type ClusterConfig = z.output<typeof ClusterSchema>;
export type K8sConfig = z.output<typeof K8sConfigSchema>;
