/**
 * A scenario's registries in a running sandbox: one server per host, listed in sandbox.json and in
 * the bot's configuration, build times moved with the world, and fault knobs like every other
 * server's. What the server answers is held to distribution's answers in
 * test/registry-conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/support/temp.ts';
import { RegistryClient } from '../../plugins/registry/client.ts';
import { botConfig } from '../bot-config.ts';
import { startSandbox } from '../index.ts';
import { parseScenario } from '../scenario.ts';

const scenario = parseScenario(`
apiVersion: deckhand.dev/v1alpha1
kind: Scenario
metadata: { name: registries }
now: 2026-08-24T10:00:00Z
registries:
  - host: ghcr.io
    images:
      - repository: team/api
        tags:
          - { tag: 1.4.0, created: 2026-08-20T10:00:00Z }
          - { tag: 1.4.1, created: 2026-08-23T10:00:00Z, labels: { org.opencontainers.image.revision: 3f9c2e1 } }
`);

describe('sandbox registries', () => {
  it('serve the scenario images, in the bot config, with times moved to now and faults that bite', async () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    const sandbox = await startSandbox({ scenario, dataDir: tempDir(), clock: { now: () => now } });
    try {
      const [reg] = sandbox.info.registries;
      expect(reg).toMatchObject({
        host: 'ghcr.io',
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      });
      const config = botConfig(sandbox.info, tempDir()) as { plugins: Record<string, unknown> };
      expect(config.plugins.registry).toEqual({ registries: [{ host: 'ghcr.io', url: reg!.url }] });

      const client = new RegistryClient({
        host: 'ghcr.io',
        url: reg!.url,
        timeoutMs: 2000,
        platform: 'linux/amd64',
      });
      expect(await client.tags('team/api')).toEqual(['1.4.0', '1.4.1']);
      const img = await client.inspect('team/api', '1.4.1');
      // One day before the scenario's now is one day before the world's now.
      expect(img.created).toBe('2026-12-05T10:00:00Z');
      expect(img.labels).toEqual({ 'org.opencontainers.image.revision': '3f9c2e1' });

      await sandbox.setFaults('registry/ghcr.io', { down: true });
      await expect(client.tags('team/api')).rejects.toThrow(
        /Cannot reach the registry ghcr\.io .*(ECONNREFUSED|the connection was closed)/,
      );
    } finally {
      await sandbox.stop();
    }
  });
});
