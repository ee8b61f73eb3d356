/**
 * What a ComparisonError says went wrong with manifest generation, and where to fix it. The words
 * are Argo CD's and its tools': controller/state.go ("Failed to load target state: failed to
 * generate manifest for source N of M: …"), util/app/path ("<path>: app path does not exist"),
 * reposerver ("Manifest generation error (cached): …"), util/exec ("`kustomize build <dir>`
 * failed exit status 1: Error: …", "`helm template …` failed …: Error: template:
 * chart/templates/x.yaml:12:3: …"), gitops-engine kube ("failed to unmarshal manifest: error
 * converting YAML to JSON: yaml: line 7: …"), util/git ("unable to resolve 'x' to a commit SHA").
 */
export type ManifestProblem =
  | { kind: 'path-missing'; path: string }
  | { kind: 'kustomize'; path?: string; file?: string; detail: string }
  | { kind: 'helm'; file?: string; detail: string }
  | { kind: 'yaml'; file?: string; detail: string }
  | { kind: 'revision'; revision: string }
  | { kind: 'repository'; detail: string }
  | { kind: 'other'; detail: string };

const after = (m: string, marker: RegExp) => {
  const i = m.search(marker);
  return i >= 0 ? m.slice(i).replace(marker, '').trim() : m;
};

/** The inner error of an Argo CD comparison message, without its wrapping. */
function inner(message: string): string {
  return message
    .replace(/^Failed to load target state:\s*/i, '')
    .replace(/^failed to generate manifest for source \d+ of \d+:\s*/i, '')
    .replace(/^rpc error: code = \w+ desc = /, '')
    .replace(/^Manifest generation error \(cached\):\s*/, '')
    .trim();
}

export function readManifestError(message: string): ManifestProblem {
  const m = inner(message);
  const path = /(\S+): app path does not exist/.exec(m);
  if (path) return { kind: 'path-missing', path: path[1] as string };
  const rev = /unable to resolve '([^']+)' to a commit SHA/.exec(m);
  if (rev) return { kind: 'revision', revision: rev[1] as string };
  if (
    /repository not found|authentication required|could not read Username|no such host|connection refused|i\/o timeout/i.test(
      m,
    )
  )
    return { kind: 'repository', detail: m };
  const kustomize = /`kustomize build ([^`]+)` failed[^:]*:\s*([\s\S]*)/.exec(m);
  if (kustomize) {
    const detail = (kustomize[2] as string).replace(/^Error:\s*/, '').trim();
    const file = /(?:from |reading |open |path )'?([\w./-]+\.ya?ml)'?/.exec(detail)?.[1];
    // The repo server builds in a checkout under /tmp/_argocd-repo/<id>/: the rest is the repo path.
    const arg = (kustomize[1] as string)
      .trim()
      .split(/\s+/)
      .find((a) => !a.startsWith('-'));
    const dir = arg ? (/_argocd-repo\/[^/]+\/(.+)$/.exec(arg)?.[1] ?? arg) : undefined;
    return { kind: 'kustomize', ...(dir ? { path: dir } : {}), ...(file ? { file } : {}), detail };
  }
  if (/`helm template|helm template .* failed|Error: template:/.test(m)) {
    const file = /template: ([\w./-]+\.(?:ya?ml|tpl))(?::\d+)?/.exec(m)?.[1];
    return { kind: 'helm', ...(file ? { file } : {}), detail: after(m, /.*?Error:\s*/) };
  }
  if (/failed to unmarshal|error converting YAML to JSON|yaml: line \d+/.test(m)) {
    const file = /"([\w./-]+\.ya?ml)"/.exec(m)?.[1];
    return {
      kind: 'yaml',
      ...(file ? { file } : {}),
      detail: after(m, /.*?(?=yaml: line|error converting)/),
    };
  }
  return { kind: 'other', detail: m };
}

/** One sentence: what to correct in Git (or where), from the problem. */
export function gitSideFix(p: ManifestProblem, sourcePath: string | undefined): string {
  switch (p.kind) {
    case 'path-missing':
      return `the source path ${p.path} does not exist at this revision: restore it in Git, or point spec.source.path of the Application at the right directory`;
    case 'kustomize':
      return `kustomize cannot build ${p.file ?? p.path ?? sourcePath ?? 'the app'}: correct that kustomization in Git`;
    case 'helm':
      return `Helm cannot render the chart${p.file ? ` (${p.file})` : ''}: correct the template or the values in Git`;
    case 'yaml':
      return `a manifest${p.file ? ` (${p.file})` : ''} is not valid YAML: correct it in Git`;
    case 'revision':
      return `the revision ${p.revision} does not exist in the repository: push it, or set spec.source.targetRevision to one that does`;
    case 'repository':
      return 'Argo CD cannot reach the repository: check its URL and the repository credentials in Argo CD';
    case 'other':
      return 'correct the manifests in Git so that Argo CD can generate them';
  }
}
