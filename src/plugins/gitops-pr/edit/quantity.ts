/**
 * Kubernetes resource quantities (`512Mi`, `1Gi`, `500m`, `0.5`, `1e3`) as the API server reads
 * them: validated before they are written to Git, and compared by value so that `1Gi` and `1024Mi`
 * count as the same setting. The reading itself is the core's (src/core/quantity.ts).
 */
import { InputError } from '../../../core/errors.ts';
import { quantityValue } from '../../../core/quantity.ts';

export { quantityValue };

export type ResourceName = 'memory' | 'cpu';

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
