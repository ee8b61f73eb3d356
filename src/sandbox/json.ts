/**
 * Scenario objects are API JSON of any shape (every Kubernetes kind, any Application status), and
 * the sandbox reads them loosely, as the API servers it imitates do.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
