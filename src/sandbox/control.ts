/**
 * The sandbox's own control API, for scripts and tests that drive a running sandbox from another
 * process: read and set each server's fault knobs. Bearer-token auth like every other server.
 *
 *   GET  /faults                       → {"argocd/default": {...}, "cluster/in-cluster": {...}, …}
 *   POST /faults/<target>  {"latencyMs": 8000} | {"down": true} | {"errorRate": 0.5}
 *   POST /image-updater/run            → the images Image Updater looked at, and where it moved them
 *   POST /ci  {"check": "ci", "conclusion": "failure"}   → the sandbox CI's later runs of that check
 *   GET  /mail                         → the mails the bot sent (newest last)
 *   GET  /received                     → the webhook deliveries the bot sent, and whether each verified
 */
import { FaultsSchema, type Faults } from './scenario.ts';
import { SandboxServer, json, readJson } from './http.ts';
import type { Sandbox } from './index.ts';

export function createControlServer(sandbox: Sandbox, token: string): SandboxServer {
  const never = { faults: FaultsSchema.parse({}) };
  return new SandboxServer({
    name: 'control',
    faults: never,
    unavailable: (res) => json(res, 503, { message: 'unavailable' }),
    handler: async (req, res, url) => {
      if (req.headers.authorization !== `Bearer ${token}`) return json(res, 401, { message: 'Unauthorized' });
      if (req.method === 'GET' && url.pathname === '/faults') {
        const all: Record<string, unknown> = {};
        for (const t of sandbox.targets()) all[t] = sandbox.faults(t);
        return json(res, 200, all);
      }
      if (req.method === 'POST' && url.pathname === '/ci') {
        const b = (await readJson(req).catch(() => undefined)) as
          { check?: unknown; conclusion?: unknown; repo?: unknown } | undefined;
        if (
          typeof b?.check !== 'string' ||
          (b.conclusion !== 'success' && b.conclusion !== 'failure') ||
          (b.repo !== undefined && typeof b.repo !== 'string')
        )
          return json(res, 400, {
            message: 'the body is {"check": "<name>", "conclusion": "success"|"failure", "repo"?: "<url>"}',
          });
        const set = sandbox.setCiConclusion(b.check, b.conclusion, b.repo as string | undefined);
        if (!set) return json(res, 404, { message: `the sandbox CI runs no check ${b.check}` });
        return json(res, 200, { check: b.check, conclusion: b.conclusion, repositories: set });
      }
      if (req.method === 'GET' && url.pathname === '/mail') return json(res, 200, sandbox.mailbox.mails);
      if (req.method === 'GET' && url.pathname === '/received') return json(res, 200, sandbox.hooks.received);
      if (req.method === 'POST' && url.pathname === '/image-updater/run')
        return json(res, 200, { moves: await sandbox.runImageUpdater() });
      const m = /^\/faults\/(.+)$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const target = decodeURIComponent(m[1] as string);
        if (!sandbox.targets().includes(target))
          return json(res, 404, { message: `unknown target ${target}`, targets: sandbox.targets() });
        const body = await readJson(req).catch(() => undefined);
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return json(res, 400, { message: 'the body must be a JSON object of fault knobs' });
        const checked = FaultsSchema.safeParse({ ...FaultsSchema.parse({}), ...body });
        if (!checked.success)
          return json(res, 400, {
            message: checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
          });
        return json(res, 200, await sandbox.setFaults(target, body as Partial<Faults>));
      }
      return json(res, 404, { message: 'Not Found' });
    },
  });
}
