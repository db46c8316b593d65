/** The one error the client throws: an error answer from the server, or no usable answer at all. */

/**
 * Codes the client sets itself, for failures that carry no server error body. Every
 * other `code` is the server's (`VALIDATION_FAILED`, `PRECONDITION_FAILED`, …).
 */
export type ClientErrorCode =
  /** No answer: connection refused, DNS, TLS, reset (`status` 0; `cause` holds fetch's error). */
  | 'NETWORK'
  /** No complete answer within `timeoutMs` (`status` 0). */
  | 'TIMEOUT'
  /** A 3xx answer while redirects are not followed (`status` is the 3xx). */
  | 'REDIRECT'
  /** An error status whose body is not a Switchboard error (a proxy's page, say): `HTTP_502`. */
  | `HTTP_${number}`;

export interface ApiErrorInit {
  /** HTTP status; 0 when no answer arrived. */
  status: number;
  code: string;
  message: string;
  field?: string | undefined;
  requestId?: string | undefined;
  retryAfter?: number | undefined;
  currentVersion?: number | undefined;
  cause?: unknown;
}

export class ApiError extends Error {
  /** HTTP status; 0 when no answer arrived (`NETWORK`, `TIMEOUT`). */
  readonly status: number;
  /** The server's error code, or one of {@link ClientErrorCode}. */
  readonly code: string;
  /** The request field the error is about, when the server named one. */
  readonly field: string | undefined;
  /** The server's id for the request, to quote when asking about it. */
  readonly requestId: string | undefined;
  /** Seconds to wait before trying again, from `Retry-After` (429, 503). */
  readonly retryAfter: number | undefined;
  /** On 412: the version the server holds now (from its `ETag`). */
  readonly currentVersion: number | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.field = init.field;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.currentVersion = init.currentVersion;
  }
}

/** True for an {@link ApiError}, also one from another copy of this package (checked by name, not `instanceof`). */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && err.name === 'ApiError' && typeof (err as { status?: unknown }).status === 'number';
}
