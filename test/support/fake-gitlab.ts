/**
 * A fake GitLab (REST v4) on loopback for the GitLab provider's tests: the endpoints deckhand's
 * gitbeaker calls use, over a small in-memory repository (commits as file maps). Authentication by
 * PRIVATE-TOKEN; answers and error texts shaped as GitLab's (api-notes §4).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Commit {
  id: string;
  parent?: string;
  files: Map<string, string>;
  message: string;
  author_name: string;
  author_email: string;
  authored_date: string;
}

interface MergeRequest {
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  state: 'opened' | 'closed' | 'merged';
  labels: string[];
  merge_commit_sha: string | null;
  notes: string[];
  created_at: string;
}

export class FakeGitLab {
  readonly project: string;
  readonly token: string;
  readonly commits = new Map<string, Commit>();
  readonly branches = new Map<string, string>();
  readonly mrs: MergeRequest[] = [];
  /** Knob: when set, merges are refused as GitLab does when a pipeline must pass. */
  blockMerges?: string;
  /** The project's "Pipelines must succeed": merges wait for the head's statuses to pass. */
  pipelinesMustSucceed = false;
  /** Knob: the pipeline's own status lags its jobs' (GitLab still says it runs when they passed). */
  pipelineLags = false;
  /** Commit statuses (CI jobs and external ones), oldest first. */
  readonly statuses: { id: number; sha: string; name: string; status: string; target_url: string | null }[] =
    [];
  requests: string[] = [];
  private server?: Server;
  url = '';

  constructor(project: string, token: string, files: Record<string, string>) {
    this.project = project;
    this.token = token;
    const root = this.commit(undefined, new Map(Object.entries(files)), 'initial commit');
    this.branches.set('main', root.id);
  }

  private commit(
    parent: string | undefined,
    files: Map<string, string>,
    message: string,
    author = 'Alice <alice@example.com>',
  ): Commit {
    const id = createHash('sha1')
      .update(`${parent}|${message}|${[...files].join()}|${this.commits.size}`)
      .digest('hex');
    const [, name = 'x', email = 'x'] = /^(.*) <(.*)>$/.exec(author) ?? [];
    const c = {
      id,
      parent,
      files,
      message,
      author_name: name,
      author_email: email,
      authored_date: new Date(Date.UTC(2026, 10, 24, 9, this.commits.size)).toISOString(),
    };
    this.commits.set(id, c);
    return c;
  }

  /** The files whose content differs between two commits. */
  private changed(parent: Commit | undefined, c: Commit): string[] {
    const paths = new Set([...c.files.keys(), ...(parent?.files.keys() ?? [])]);
    return [...paths].filter((p) => parent?.files.get(p) !== c.files.get(p)).sort();
  }

  private commitJson(c: Commit) {
    return {
      id: c.id,
      message: c.message,
      author_name: c.author_name,
      author_email: c.author_email,
      authored_date: c.authored_date,
      parent_ids: c.parent ? [c.parent] : [],
    };
  }

  head(branch: string): Commit {
    return this.commits.get(this.branches.get(branch) as string) as Commit;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
      ...headers,
    });
    res.end(text);
  }

  /** Deliveries made, for each its own Idempotency-Key. */
  private deliveries = 0;

  /** Knob: merges refused this many more times, whatever the merge status said. */
  refuseMerges = 0;

  /** Someone pushes a commit changing `files` to `branch`; returns its id. */
  push(branch: string, files: Record<string, string>, message = 'pushed by hand'): string {
    const head = this.head(branch);
    const c = this.commit(head.id, new Map([...head.files, ...Object.entries(files)]), message);
    this.branches.set(branch, c.id);
    return c.id;
  }

  /** A status as a CI job (or POST /statuses/:sha) reports it. */
  setStatus(sha: string, name: string, status: string): void {
    this.statuses.push({
      id: this.statuses.length + 1,
      sha,
      name,
      status,
      target_url: `https://gitlab.example.com/${this.project}/-/jobs/${this.statuses.length + 1}`,
    });
  }

  /** The newest status of each name at `sha`. */
  private latest(sha: string) {
    const seen = new Map<string, (typeof this.statuses)[number]>();
    for (const st of this.statuses.filter((x) => x.sha === sha)) seen.set(st.name, st);
    return [...seen.values()];
  }

  /**
   * detailed_merge_status as GitLab's Merge requests API documents it: with "Pipelines must
   * succeed", `ci_still_running` while a job runs and `ci_must_pass` when none ran or one failed.
   */
  private detailed(m: MergeRequest, sha: string): string {
    if (m.state !== 'opened') return 'not_open';
    if (this.blockMerges) return 'ci_must_pass';
    if (!this.pipelinesMustSucceed) return 'mergeable';
    const jobs = this.latest(sha);
    if (this.pipelineLags || jobs.some((j) => ['created', 'pending', 'running'].includes(j.status)))
      return 'ci_still_running';
    if (!jobs.length || jobs.some((j) => ['failed', 'canceled'].includes(j.status))) return 'ci_must_pass';
    return 'mergeable';
  }

  /** The head pipeline's status, from its jobs'. */
  private pipelineStatus(sha: string): string {
    const jobs = this.latest(sha);
    if (jobs.some((j) => j.status === 'failed')) return 'failed';
    if (this.pipelineLags) return 'running';
    return jobs.some((j) => !['success', 'skipped'].includes(j.status)) ? 'running' : 'success';
  }

  /** A `Pipeline Hook` delivery for the pipeline at `sha`, as GitLab sends it (headers and body). */
  pipelineHook(
    sha: string,
    token: string,
  ): { headers: Record<string, string>; body: Record<string, unknown> } {
    const mr = this.mrs.find((x) => this.branches.get(x.source_branch) === sha && x.state === 'opened');
    const status = this.pipelineStatus(sha);
    return {
      headers: {
        'x-gitlab-event': 'Pipeline Hook',
        'x-gitlab-token': token,
        'idempotency-key': `pipeline-${sha.slice(0, 8)}-${++this.deliveries}`,
      },
      body: {
        object_kind: 'pipeline',
        object_attributes: { id: 900 + this.statuses.length, sha, ref: mr?.source_branch ?? 'main', status },
        merge_request: mr ? { iid: mr.iid } : null,
        user: { username: 'ci-runner' },
        project: { web_url: `https://gitlab.example.com/${this.project}` },
      },
    };
  }

  private mrJson(m: MergeRequest) {
    const sha = this.branches.get(m.source_branch) ?? m.merge_commit_sha ?? '';
    const detailed = this.detailed(m, sha);
    return {
      id: 1000 + m.iid,
      iid: m.iid,
      title: m.title,
      description: m.description,
      state: m.state,
      source_branch: m.source_branch,
      target_branch: m.target_branch,
      sha,
      author: { username: 'deckhand-bot' },
      merge_status: detailed === 'mergeable' ? 'can_be_merged' : 'cannot_be_merged',
      detailed_merge_status: detailed,
      head_pipeline: this.latest(sha).length
        ? {
            id: 900,
            status: this.pipelineStatus(sha),
            web_url: `https://gitlab.example.com/${this.project}/-/pipelines/900`,
          }
        : null,
      merge_commit_sha: m.merge_commit_sha,
      squash_commit_sha: null,
      labels: m.labels,
      created_at: m.created_at,
      web_url: `https://gitlab.example.com/${this.project}/-/merge_requests/${m.iid}`,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}`);
    if (req.headers['private-token'] !== this.token)
      return this.send(res, 401, { message: '401 Unauthorized' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      : {};
    const prefix = `/api/v4/projects/${encodeURIComponent(this.project)}`;
    // gitbeaker encodes the project path; Node's URL keeps %2F as is.
    if (!url.pathname.startsWith(prefix)) return this.send(res, 404, { message: '404 Project Not Found' });
    const path = url.pathname.slice(prefix.length);
    const q = url.searchParams;
    let m: RegExpExecArray | null;

    if ((m = /^\/repository\/branches\/(.+)$/.exec(path)) && req.method === 'GET') {
      const name = decodeURIComponent(m[1] as string);
      const sha = this.branches.get(name);
      return sha
        ? this.send(res, 200, { name, commit: { id: sha } })
        : this.send(res, 404, { message: '404 Branch Not Found' });
    }
    if ((m = /^\/repository\/branches\/(.+)$/.exec(path)) && req.method === 'DELETE') {
      this.branches.delete(decodeURIComponent(m[1] as string));
      return this.send(res, 204, '');
    }
    if (path === '/repository/branches' && req.method === 'POST') {
      const ref = String(body.ref ?? q.get('ref'));
      const branch = String(body.branch ?? q.get('branch'));
      const sha = this.branches.get(ref) ?? (this.commits.has(ref) ? ref : undefined);
      if (!sha) return this.send(res, 400, { message: 'Invalid reference name' });
      if (this.branches.has(branch)) return this.send(res, 400, { message: 'Branch already exists' });
      this.branches.set(branch, sha);
      return this.send(res, 201, { name: branch, commit: { id: sha } });
    }
    if (path === '/repository/tree' && req.method === 'GET') {
      const ref = q.get('ref') ?? 'main';
      const c = this.commits.get(this.branches.get(ref) ?? ref);
      if (!c) return this.send(res, 404, { message: '404 Tree Not Found' });
      const entries = new Map<string, string>();
      for (const f of c.files.keys()) {
        const parts = f.split('/');
        for (let i = 1; i < parts.length; i++) entries.set(parts.slice(0, i).join('/'), 'tree');
        entries.set(f, 'blob');
      }
      const all = [...entries].map(([p, type]) => ({
        id: p,
        name: p.split('/').at(-1),
        type,
        path: p,
        mode: type === 'tree' ? '040000' : '100644',
      }));
      const per = Number(q.get('per_page') ?? 20);
      const page = Number(q.get('page') ?? 1);
      const slice = all.slice((page - 1) * per, page * per);
      const headers: Record<string, string> = {};
      if (page * per < all.length) {
        const next = new URL(url);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${this.url}${next.pathname}${next.search}>; rel="next"`;
      }
      return this.send(res, 200, slice, headers);
    }
    if ((m = /^\/repository\/files\/(.+)\/raw$/.exec(path))) {
      const file = decodeURIComponent(m[1] as string);
      const ref = q.get('ref') ?? 'main';
      const c = this.commits.get(this.branches.get(ref) ?? ref);
      const content = c?.files.get(file);
      return content === undefined
        ? this.send(res, 404, { message: '404 File Not Found' })
        : this.send(res, 200, content);
    }
    if (path === '/repository/commits' && req.method === 'POST') {
      const branch = String(body.branch);
      const start = String(body.start_sha ?? this.branches.get(String(body.start_branch ?? branch)) ?? '');
      const base = this.commits.get(start);
      if (!base) return this.send(res, 400, { message: 'start_sha is invalid' });
      if (this.branches.has(branch) && !body.force && body.start_sha)
        return this.send(res, 400, { message: `A branch called '${branch}' already exists.` });
      const files = new Map(base.files);
      for (const a of body.actions as { action: string; file_path: string; content?: string }[]) {
        if (a.action === 'delete') files.delete(a.file_path);
        else if (a.action === 'create' && files.has(a.file_path))
          return this.send(res, 400, { message: 'A file with this name already exists' });
        else files.set(a.file_path, a.content ?? '');
      }
      const c = this.commit(
        base.id,
        files,
        String(body.commit_message),
        `${body.author_name ?? 'Bot'} <${body.author_email ?? 'bot@example.com'}>`,
      );
      this.branches.set(branch, c.id);
      return this.send(res, 201, { id: c.id, short_id: c.id.slice(0, 8), message: c.message });
    }
    // GET /projects/:id/repository/commits?ref_name=&path=: reachable from the ref, newest first,
    // only those that change a file at or under `path` (docs.gitlab.com, Commits API "List").
    if (path === '/repository/commits' && req.method === 'GET') {
      const start = this.commits.get(
        this.branches.get(q.get('ref_name') ?? 'main') ?? q.get('ref_name') ?? '',
      );
      if (!start) return this.send(res, 404, { message: '404 Reference Not Found' });
      const under = (q.get('path') ?? '').replace(/\/+$/, '');
      const out: Commit[] = [];
      for (let c: Commit | undefined = start; c; c = c.parent ? this.commits.get(c.parent) : undefined) {
        const parent = c.parent ? this.commits.get(c.parent) : undefined;
        if (!under || this.changed(parent, c).some((f) => f === under || f.startsWith(`${under}/`)))
          out.push(c);
      }
      return this.send(
        res,
        200,
        out.slice(0, Number(q.get('per_page') ?? 20)).map((c) => this.commitJson(c)),
      );
    }
    // GET /projects/:id/repository/commits/:sha/diff
    if ((m = /^\/repository\/commits\/([0-9a-f]+)\/diff$/.exec(path)) && req.method === 'GET') {
      const c = this.commits.get(m[1] as string);
      if (!c) return this.send(res, 404, { message: '404 Commit Not Found' });
      const parent = c.parent ? this.commits.get(c.parent) : undefined;
      return this.send(
        res,
        200,
        this.changed(parent, c).map((f) => ({
          old_path: f,
          new_path: f,
          new_file: !parent?.files.has(f),
          deleted_file: !c.files.has(f),
          renamed_file: false,
          diff: '',
        })),
      );
    }
    if (path === '' && req.method === 'GET')
      return this.send(res, 200, {
        id: 1,
        path_with_namespace: this.project,
        web_url: `https://gitlab.example.com/${this.project}`,
        only_allow_merge_if_pipeline_succeeds: this.pipelinesMustSucceed,
      });
    if ((m = /^\/repository\/commits\/([0-9a-f]+)\/statuses$/.exec(path)) && req.method === 'GET') {
      const sha = m[1];
      return this.send(res, 200, this.statuses.filter((x) => x.sha === sha).reverse());
    }
    if ((m = /^\/repository\/commits\/([0-9a-f]+)$/.exec(path))) {
      const c = this.commits.get(m[1] as string);
      return c
        ? this.send(res, 200, this.commitJson(c))
        : this.send(res, 404, { message: '404 Commit Not Found' });
    }
    if (path === '/merge_requests' && req.method === 'GET') {
      const list = this.mrs
        .filter((x) => !q.get('state') || x.state === q.get('state'))
        .filter((x) => !q.get('source_branch') || x.source_branch === q.get('source_branch'));
      return this.send(
        res,
        200,
        list.map((x) => this.mrJson(x)),
      );
    }
    if (path === '/merge_requests' && req.method === 'POST') {
      const source = String(body.source_branch);
      if (this.mrs.some((x) => x.source_branch === source && x.state === 'opened')) {
        return this.send(res, 409, {
          message: [
            `Another open merge request already exists for this source branch: !${this.mrs.find((x) => x.source_branch === source)?.iid}`,
          ],
        });
      }
      const mr: MergeRequest = {
        iid: this.mrs.length + 1,
        title: String(body.title),
        description: String(body.description ?? ''),
        source_branch: source,
        target_branch: String(body.target_branch),
        state: 'opened',
        labels: String(body.labels ?? '')
          .split(',')
          .filter(Boolean),
        merge_commit_sha: null,
        notes: [],
        created_at: '2026-11-24T09:00:00Z',
      };
      this.mrs.push(mr);
      return this.send(res, 201, this.mrJson(mr));
    }
    if ((m = /^\/merge_requests\/(\d+)(\/.*)?$/.exec(path))) {
      const mr = this.mrs.find((x) => x.iid === Number(m?.[1]));
      if (!mr) return this.send(res, 404, { message: '404 Not found' });
      const sub = m[2] ?? '';
      if (sub === '' && req.method === 'GET') return this.send(res, 200, this.mrJson(mr));
      if (sub === '' && req.method === 'PUT') {
        if (body.state_event === 'close') mr.state = 'closed';
        return this.send(res, 200, this.mrJson(mr));
      }
      if (sub === '/notes' && req.method === 'POST') {
        mr.notes.push(String(body.body));
        return this.send(res, 201, { id: mr.notes.length, body: body.body });
      }
      if (sub === '/diffs') {
        const head = this.head(mr.source_branch);
        const base = this.head(mr.target_branch);
        const changed = [...head.files].filter(([p, c]) => base.files.get(p) !== c);
        return this.send(
          res,
          200,
          changed.map(([p, c]) => ({
            old_path: p,
            new_path: p,
            diff: `@@ -1 +1 @@\n-${base.files.get(p) ?? ''}\n+${c}`,
          })),
        );
      }
      if (sub === '/merge' && req.method === 'PUT') {
        if (mr.state !== 'opened') return this.send(res, 405, { message: '405 Method Not Allowed' });
        const headSha = this.branches.get(mr.source_branch) as string;
        if (body.sha && body.sha !== headSha)
          return this.send(res, 409, { message: `SHA does not match HEAD of source branch: ${headSha}` });
        if (this.refuseMerges > 0 || this.detailed(mr, headSha) !== 'mergeable') {
          this.refuseMerges = Math.max(0, this.refuseMerges - 1);
          return this.send(res, 405, { message: '405 Method Not Allowed' });
        }
        const base = this.head(mr.target_branch);
        const head = this.head(mr.source_branch);
        const c = this.commit(
          base.id,
          new Map([...base.files, ...head.files]),
          `Merge branch '${mr.source_branch}' into '${mr.target_branch}'`,
        );
        this.branches.set(mr.target_branch, c.id);
        mr.state = 'merged';
        mr.merge_commit_sha = c.id;
        return this.send(res, 200, { ...this.mrJson(mr), sha: headSha });
      }
    }
    return this.send(res, 404, { error: '404 Not Found' });
  }
}
