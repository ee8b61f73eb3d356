/**
 * What `deckhand sandbox` leaves in its data directory for the bot and for scripts:
 * `sandbox.json` (each server's address and credentials, where each bare repository lies) and
 * `deckhand.yaml` (a bot configuration for this world, with the demo identities).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { sandboxTls } from './http.ts';
import type { SandboxInfo } from './index.ts';

/** People to try the flows with: alice proposes, bob approves, carol only looks. */
export const DEMO_IDENTITIES = {
  alice: { name: 'Alice (operator)', role: 'operator' },
  bob: { name: 'Bob (approver)', role: 'approver' },
  carol: { name: 'Carol (viewer)', role: 'viewer' },
  console: { name: 'You, at the console', role: 'admin' },
} as const;

/** Where the demo's story posts on its own: the console's channel, so it is seen as it happens. */
export const STORY_CHANNEL = 'console:console';

/** How the bot in front of a world is set up beyond the servers' addresses. */
export interface BotSetup {
  /** The plugins of this build: the config holds sections for these only. */
  plugins?: string[];
  /** The bot's HTTP port (webhooks, /metrics). */
  port?: number;
  /**
   * The demo's story: the Alertmanager webhook with a token, incidents, transition alerts and a
   * daily digest in the console's channel, and an automatic memory raise for OOMKilled apps.
   */
  story?: boolean;
  /** The world's pace (1 is real time): a faster world settles faster after a merge. */
  timeScale?: number;
}

/** The sections `npm start` adds so every feature can be tried from the console. */
function storySections(): Record<string, unknown> {
  return {
    incidents: {
      webhookToken: `demo-alertmanager-${randomBytes(12).toString('hex')}`,
      defaultChannel: STORY_CHANNEL,
    },
    digest: {
      schedules: [{ id: 'daily', channel: STORY_CHANNEL, cron: '0 9 * * 1-5', timeZone: 'UTC' }],
      transitions: { defaultChannel: STORY_CHANNEL },
    },
    remediation: {
      rules: [
        {
          name: 'oom-raise-memory',
          match: { categories: ['OOMKilled'] },
          action: { kind: 'resources', resource: 'memory', factor: 1.5, max: '2Gi' },
          mode: 'auto',
        },
      ],
    },
  };
}

/** The bot configuration for a sandbox; `plugins` limits it to the sections a build knows. */
export function botConfig(info: SandboxInfo, dataDir: string, setup: BotSetup = {}): Record<string, unknown> {
  const { plugins } = setup;
  const dir = resolve(dataDir);
  const config = {
    dataDir: join(dir, 'bot'),
    log: { level: 'info' },
    server: { host: '127.0.0.1', port: setup.port ?? 8080 },
    // The demo's console plays everyone, so one terminal can propose as alice and approve as bob.
    adapters: { console: { switchUsers: true } },
    identities: Object.fromEntries(Object.entries(DEMO_IDENTITIES).map(([id, p]) => [id, { name: p.name }])),
    access: {
      bindings: Object.entries(DEMO_IDENTITIES).map(([id, p]) => ({ roles: [p.role], users: [id] })),
    },
    plugins: {
      argocd: {
        instances: info.argocd.map((i) => ({
          name: i.name,
          url: i.url,
          token: i.token,
          ...(i.uiUrl ? { uiUrl: i.uiUrl } : {}),
        })),
      },
      k8s: {
        clusters: info.clusters.map((c) => ({
          name: c.name,
          server: c.server,
          url: c.url,
          token: c.token,
          caFile: join(dir, 'sandbox-ca.pem'),
        })),
      },
      gitops: {
        hosts: [
          {
            type: 'github',
            name: 'github (sandbox)',
            host: 'github.com',
            apiUrl: info.git.url,
            // As organisations give a bot access: a GitHub App, not a person's token.
            app: { id: info.git.app.id, privateKeyFile: info.git.app.privateKeyFile },
          },
        ],
        // Healthy must last 20 s after a merge in real time; a faster world settles faster.
        ...(setup.timeScale && setup.timeScale < 1
          ? { followUp: { settleSeconds: Math.max(0.2, 20 * setup.timeScale) } }
          : {}),
      },
      ...(setup.story ? storySections() : {}),
      // Beyond chat: digests and incidents by mail through the sandbox's relay, incidents also to
      // its webhook receiver (`GET /mail`, `GET /received` on the control API show what arrived).
      notify: {
        sinks: [
          {
            type: 'email',
            name: 'mail',
            // The relay's STARTTLS certificate is its own, self-signed: a real relay's is trusted.
            smtp: { ...info.mail, rejectUnauthorized: false },
            from: 'deckhand <deckhand@sandbox.deckhand.dev>',
            to: ['platform-team@sandbox.deckhand.dev'],
          },
          { type: 'webhook', name: 'hooks', url: info.hooks.url, secret: info.hooks.secret },
        ],
        routes: [
          // People read digests, incidents and what went wrong; a system gets everything.
          { events: ['digest', 'incident.*', 'change.failed', 'remediation'], sink: 'mail' },
          { events: ['incident.*', 'change.*', 'remediation'], sink: 'hooks' },
          // A team hears of its own apps' failed changes (by the label its Applications carry).
          {
            events: ['change.failed'],
            labels: 'app.kubernetes.io/part-of=flash-tickets',
            sink: 'mail',
            to: ['flash-tickets@sandbox.deckhand.dev'],
          },
        ],
      },
      // Images are looked up in the world's own registries (none: the plugin reads nothing).
      ...(info.registries.length
        ? {
            registry: {
              registries: info.registries.map((r) => ({ ...r })),
              // naver-news is tagged by CI build (master-<sha>): newer means built later.
              ...(setup.story
                ? {
                    policies: [
                      { apps: ['naver-news'], strategy: 'newest-build', allowTags: 'regexp:^master-' },
                    ],
                  }
                : {}),
            },
          }
        : {}),
    } as Record<string, unknown>,
  };
  if (plugins)
    config.plugins = Object.fromEntries(
      Object.entries(config.plugins).filter(([id]) => plugins.includes(id)),
    );
  return config;
}

/** Write sandbox.json, deckhand.yaml and the CA the bot needs to trust the sandbox's TLS. */
export function writeSandboxFiles(
  info: SandboxInfo,
  dataDir: string,
  setup: BotSetup = {},
): { config: string; info: string } {
  const dir = resolve(dataDir);
  writeFileSync(join(dir, 'sandbox-ca.pem'), sandboxTls().cert);
  const infoFile = join(dir, 'sandbox.json');
  writeFileSync(infoFile, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  const configFile = join(dir, 'deckhand.yaml');
  const header = `# Written by \`deckhand sandbox\` for the scenario "${info.scenario}". Tokens change on every start.\n`;
  writeFileSync(configFile, header + stringify(botConfig(info, dir, setup)), { mode: 0o600 });
  return { config: configFile, info: infoFile };
}
