/**
 * The load side of the Slack acknowledgement benchmark, in its own process as Slack would be:
 * `node bench/lib/slack-load.ts <url> <signing secret> <n> <response url> [healthz]` sends n signed
 * slash commands at once (or, with `healthz`, n plain GETs of /healthz: the same burst against a
 * handler that does nothing, the floor this machine sets) and prints the times (ms) as JSON.
 */
import { createHmac } from 'node:crypto';

const [url, secret, n, responseUrl, mode] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];

async function health(): Promise<number> {
  const t = performance.now();
  await (await fetch(new URL('/healthz', url))).arrayBuffer();
  return performance.now() - t;
}

async function send(i: number): Promise<number> {
  const body = new URLSearchParams({
    team_id: 'T0TEAM',
    channel_id: 'C0OPS',
    user_id: 'U0BENCH',
    user_name: 'bench',
    command: '/argo',
    text: 'status naver-news --refresh',
    response_url: responseUrl,
    // Unique per request: the adapter refuses a signed request it has already seen.
    trigger_id: `${process.pid}.${i}`,
    api_app_id: 'A0APP',
  }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex'),
  };
  const t = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`ack ${res.status}`);
  return performance.now() - t;
}

// The first fetch of a process loads the HTTP client and connects: not the bot's time.
await (await fetch(new URL('/healthz', url))).arrayBuffer();
const times = await Promise.all(
  Array.from({ length: Number(n) }, (_, i) => (mode === 'healthz' ? health() : send(i))),
);
process.stdout.write(JSON.stringify(times));
