/**
 * What an admin route hands its service about the request: who is calling, under which
 * request ids, and the `Idempotency-Key` of a create. Services never see the request itself.
 */
import type { Principal } from '../modules/api-keys/key-verifier.js';

export interface RequestContext {
  principal: Principal;
  requestId: string;
  /** The caller's own X-Request-Id, if it sent a usable one; stored beside ours, never instead. */
  clientRequestId?: string | undefined;
}

export interface Idempotency {
  key: string;
  /** The route and the caller, so keys never collide across callers or routes. */
  scope: string;
  /** The request body; a retry with the same key and a different body is refused. */
  body: unknown;
}

/** The caller and request id of an authenticated admin request. */
export function requestContext(request: { principal: Principal | null; id: string; clientRequestId?: string | undefined }): RequestContext {
  if (!request.principal) throw new Error('admin route reached without a principal');
  return { principal: request.principal, requestId: request.id, clientRequestId: request.clientRequestId };
}

/** `Idempotency-Key` handling for a create route, scoped to the caller and the route. */
export function idempotencyOf(
  request: { principal: Principal | null; headers: Record<string, unknown>; routeOptions: { url?: string | undefined }; method: string },
  body: unknown,
): Idempotency | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  const caller = request.principal?.keyId ?? 'admin-token';
  return { key, scope: `${caller} ${request.method} ${request.routeOptions.url ?? ''}`, body };
}
