/**
 * What an admin route hands its service about the request: who is calling, under which
 * request ids, and the `Idempotency-Key` of a create. Services never see the request itself.
 */
import type { Principal } from '../modules/api-keys/key-verifier.js';
import { changeReasonOf } from './change-reason.js';

export interface RequestContext {
  principal: Principal;
  requestId: string;
  /** The caller's own X-Request-Id, if it sent a usable one; stored beside ours, never instead. */
  clientRequestId?: string | undefined;
  /** Why (`X-Change-Reason`), stored on the audit rows and config versions this write makes. */
  reason?: string | undefined;
  /**
   * Set for callers' requests: where an environment requires a reason, their writes without
   * one are refused. The server's own writes (schedules, plans) name their origin instead.
   */
  reasonRequired?: boolean;
  /** How a config write to an environment that requires approvals is handled; see modules/change-requests/gate.ts. */
  approvalGate?: ApprovalGate;
}

/**
 * `open`: a route's write, held as a new change request (the gate puts it in `opened`);
 * `revise`: an edit of change request `id`; `apply`: writing approved request `id`.
 */
export type ApprovalGate =
  { mode: 'open'; opened?: unknown } | { mode: 'revise'; id: number; revised?: unknown } | { mode: 'apply'; id: number };

export interface Idempotency {
  key: string;
  /** The route and the caller, so keys never collide across callers or routes. */
  scope: string;
  /** The request body; a retry with the same key and a different body is refused. */
  body: unknown;
}

/** The caller and request id of an authenticated admin request. */
export function requestContext(request: {
  principal: Principal | null;
  id: string;
  clientRequestId?: string | undefined;
  headers?: Record<string, unknown>;
}): RequestContext {
  if (!request.principal) throw new Error('admin route reached without a principal');
  return {
    principal: request.principal,
    requestId: request.id,
    clientRequestId: request.clientRequestId,
    reason: request.headers ? changeReasonOf(request.headers) : undefined,
    reasonRequired: true,
  };
}

/** `Idempotency-Key` handling for a create route, scoped to the caller and the route. */
export function idempotencyOf(
  request: { principal: Principal | null; headers: Record<string, unknown>; routeOptions: { url?: string | undefined }; method: string },
  body: unknown,
): Idempotency | undefined {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string') return undefined;
  // A key's id, a person's id, or the ADMIN_TOKEN: never two callers under one scope.
  const principal = request.principal;
  const caller = principal?.keyId ?? (principal?.userId ? `user:${principal.userId}` : 'admin-token');
  return { key, scope: `${caller} ${request.method} ${request.routeOptions.url ?? ''}`, body };
}
