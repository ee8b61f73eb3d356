/** Kubernetes memory quantities in bytes (`512Mi`, `1Gi`, `1000M`, `2e9`), for the simulation. */
import { quantityValue } from '../../core/quantity.ts';

export const bytes = (q: string | number | undefined): number | undefined => quantityValue(q);
