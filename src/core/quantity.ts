/**
 * Kubernetes resource quantities (`512Mi`, `1Gi`, `500m`, `0.5`, `1e3`, `2E`) as the API server
 * reads them — the grammar of k8s.io/apimachinery's resource.Quantity. Several parts read them:
 * the manifest planner, diagnosis, remediation and the sandbox's simulation; each keeps its own
 * rules on top (what a fix may write, how a limit is raised), the reading is this one.
 */
const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const grammar = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

/** The value in base units (bytes, cores), or undefined when the text is not a quantity. */
export function quantityValue(text: string | number | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  const m = grammar.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * (binary[m[2]] as number);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  return n * (decimal[m[4] ?? ''] as number);
}
