/**
 * Kubernetes resource quantities (`512Mi`, `1Gi`, `500m`, `0.5`, `1e3`) as the API server reads
 * them: validated before they are written to Git, and compared by value so that `1Gi` and `1024Mi`
 * count as the same setting. The remediation plugin has its own parser; plugins do not share
 * internals, and this one follows the full grammar of k8s.io/apimachinery's resource.Quantity.
 */
import { InputError } from '../../../core/errors.ts';

export type ResourceName = 'memory' | 'cpu';

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
export function quantityValue(text: string | number): number | undefined {
  const m = grammar.exec(String(text).trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * (binary[m[2]] as number);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  return n * (decimal[m[4] ?? ''] as number);
}

/** Same amount, whatever the unit; a float tolerance because 0.1 and 100m are not exact in binary. */
export function sameQuantity(a: string | number | undefined, b: string | number | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = quantityValue(a);
  const y = quantityValue(b);
  if (x === undefined || y === undefined) return String(a) === String(b);
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y), 1e-9);
}

/**
 * Refuse what the API server would refuse, and the classic slip it would accept: `memory=500m`
 * is half a byte, never what anyone means.
 */
export function checkQuantity(resource: ResourceName, text: string): void {
  const value = quantityValue(text);
  const example = resource === 'memory' ? 'memory=512Mi or memory=1Gi' : 'cpu=500m or cpu=2';
  if (value === undefined)
    throw new InputError(`${resource}=${text} is not a Kubernetes quantity.`, {
      hint: `Examples: ${example}.`,
    });
  if (value < 0) throw new InputError(`${resource}=${text} is negative.`, { hint: `Examples: ${example}.` });
  if (resource === 'memory' && /[mun]$/.test(text.trim()))
    throw new InputError(`memory=${text} means ${value} bytes.`, {
      hint: `Did you mean ${text.trim().slice(0, -1)}Mi?`,
    });
  if (resource === 'cpu' && /i$/.test(text.trim()))
    throw new InputError(`cpu=${text} uses a memory unit.`, { hint: `Examples: ${example}.` });
}
