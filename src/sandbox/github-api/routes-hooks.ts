/**
 * Repository webhooks: made through the API as an admin makes them ("Create a repository
 * webhook": POST /repos/{owner}/{repo}/hooks, config.url, config.secret, events, 201), and
 * delivered as GitHub delivers them ("Webhook events and payloads", "Validating webhook
 * deliveries"): a JSON POST with X-GitHub-Event, X-GitHub-Delivery (a GUID), X-GitHub-Hook-ID and,
 * with a secret, X-Hub-Signature-256 (sha256= HMAC of the body) and the older X-Hub-Signature
 * (sha1=). A `ping` follows the hook's creation. Deliveries go after the answer, each within
 * GitHub's 10 s; one that fails is not retried (GitHub neither retries on its own).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { body, GitHubError, invalid, route, type RepoCtx, type Route } from './api.ts';
import { repoShape } from './routes-repo.ts';
import { user } from './shapes.ts';
import type { HookRecord } from './state.ts';

function shape(h: HookRecord, c: RepoCtx) {
  const url = `${c.links.repoApi}/hooks/${h.id}`;
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: h.events,
    // GitHub never shows a secret back.
    config: {
      url: h.url,
      content_type: 'json',
      insecure_ssl: '0',
      ...(h.secret ? { secret: '********' } : {}),
    },
    updated_at: h.createdAt,
    created_at: h.createdAt,
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: { code: null, status: 'unused', message: null },
  };
}

/** Tell the repository's hooks of an event, as `c.login` did it (after the answer, in the background). */
export function announce(c: RepoCtx, event: string, make: () => Promise<Record<string, unknown>>): void {
  const hooks = (c.state.hooks ?? []).filter(
    (h) => h.active && (h.events.includes(event) || h.events.includes('*')),
  );
  if (!hooks.length) return;
  void (async () => {
    const payload = JSON.stringify({
      ...(await make()),
      repository: await repoShape(c),
      sender: user(c.login, c.links),
    });
    await Promise.all(hooks.map((h) => deliver(h, event, payload)));
  })().catch(() => undefined);
}

async function deliver(h: HookRecord, event: string, payload: string): Promise<void> {
  const signed = h.secret
    ? {
        'x-hub-signature-256': `sha256=${createHmac('sha256', h.secret).update(payload).digest('hex')}`,
        'x-hub-signature': `sha1=${createHmac('sha1', h.secret).update(payload).digest('hex')}`,
      }
    : {};
  await fetch(h.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/sandbox',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-github-hook-id': String(h.id),
      ...signed,
    },
    body: payload,
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
}

export const hookRoutes: Route[] = [
  route('POST', '/hooks', async (c) => {
    const b = await body<{
      config?: { url?: string; secret?: string; content_type?: string };
      events?: string[];
      active?: boolean;
    }>(c);
    const url = b.config?.url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw invalid({
        resource: 'Hook',
        code: 'custom',
        field: 'config',
        message: 'Config must have a valid url',
      });
    if (b.config?.content_type && b.config.content_type !== 'json')
      throw new GitHubError(422, 'Validation Failed', ['the sandbox delivers json only']);
    const hook: HookRecord = {
      id: c.store.nextId(),
      url,
      ...(b.config?.secret ? { secret: b.config.secret } : {}),
      events: b.events?.length ? b.events : ['push'],
      active: b.active ?? true,
      createdAt: c.now(),
    };
    (c.state.hooks ??= []).push(hook);
    c.store.save();
    c.send(201, shape(hook, c));
    const zen = 'Keep it logically awesome.';
    void deliver(
      hook,
      'ping',
      JSON.stringify({ zen, hook_id: hook.id, hook: shape(hook, c), sender: user(c.login, c.links) }),
    );
  }),
  route('GET', '/hooks', async (c) =>
    c.send(
      200,
      (c.state.hooks ?? []).map((h) => shape(h, c)),
    ),
  ),
  route('DELETE', '/hooks/:id', async (c, p) => {
    const before = (c.state.hooks ?? []).length;
    c.state.hooks = (c.state.hooks ?? []).filter((h) => h.id !== Number(p.id));
    if (c.state.hooks.length === before) throw new GitHubError(404, 'Not Found');
    c.store.save();
    c.res.writeHead(204).end();
  }),
];
