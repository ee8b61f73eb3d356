/**
 * Memory quantities as Kubernetes writes them (512Mi, 1Gi, 536870912, 500M), and the arithmetic a
 * memory fix needs: a larger limit that is a round number a person would have written.
 */
import { quantityValue } from '../../../core/quantity.ts';

export const Mi = 1024 ** 2;
export const Gi = 1024 ** 3;

/** Bytes, or undefined when the text is not a memory quantity. */
export function parseMemory(q: string | undefined): number | undefined {
  const v = quantityValue(q);
  return v === undefined || v < 0 ? undefined : Math.round(v);
}

/** Whole Gi when it is one, else whole Mi (rounded up: a limit is better a little high than low). */
export function formatMemory(bytes: number): string {
  if (bytes >= Gi && bytes % Gi === 0) return `${bytes / Gi}Gi`;
  return `${Math.ceil(bytes / Mi)}Mi`;
}

/** Round up to a step a person would pick: 64Mi below 1Gi, 256Mi below 4Gi, then whole Gi. */
export function roundUpMemory(bytes: number): number {
  const step = bytes <= Gi ? 64 * Mi : bytes <= 4 * Gi ? 256 * Mi : Gi;
  return Math.ceil(bytes / step) * step;
}

/**
 * The next memory limit after an OOM kill: twice the current one, rounded, never above `cap`.
 * Undefined when the current limit is already at the cap (a person has to decide then).
 */
export function raisedLimit(current: number, cap: number): number | undefined {
  const next = Math.min(roundUpMemory(current * 2), cap);
  return next > current ? next : undefined;
}

/** Millicores, or undefined when the text is not a cpu quantity (500m, 2, 0.5). */
export function parseCpu(q: string | undefined): number | undefined {
  const v = quantityValue(q);
  return v === undefined || v < 0 ? undefined : Math.round(v * 1000);
}
