/**
 * Argo CD's error answers: the grpc-gateway body `{"error","code","message"}` with the gRPC code,
 * and the HTTP status grpc-gateway v1.16 maps it to (FailedPrecondition is 400 there).
 */
import type { ServerResponse } from 'node:http';
import { json } from '../http.ts';

export const GRPC = {
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  Unauthenticated: 16,
} as const;

const HTTP: Record<number, number> = {
  1: 408,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  12: 501,
  13: 500,
  14: 503,
  16: 401,
};

export function argoFail(res: ServerResponse, code: number, message: string): void {
  json(res, HTTP[code] ?? 500, { error: message, code, message });
}

/** A failure a handler throws; the router turns it into Argo CD's error body. */
export class ArgoApiError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * A path grpc-gateway has no route for: it answers with net/http's plain text, not the JSON error
 * body (grpc-gateway v1.16 runtime/mux.go → OtherErrorHandler → http.Error).
 */
export class NoRoute extends Error {}

export function noRoute(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end('Not Found\n');
}
