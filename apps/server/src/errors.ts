/**
 * The one error catalogue. Services throw these; `plugins/error-handler.ts` is the one
 * place that renders them as `{ "error": { "code", "message", "field"?, "requestId" } }`.
 * Handlers recognise them by `code` (never `instanceof`, which breaks across copies).
 */

export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PRECONDITION_REQUIRED: 428,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly isAppError = true;
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export class ValidationError extends AppError {
  constructor(message: string, field?: string) {
    super('VALIDATION_FAILED', message, field);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>)') {
    super('UNAUTHORIZED', message, undefined, { 'www-authenticate': 'Bearer' });
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}
export class NotFoundError extends AppError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}
export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super('CONFLICT', message, field);
  }
}
export class PreconditionFailedError extends AppError {
  constructor(current: number) {
    super('PRECONDITION_FAILED', `The resource changed: its current version is ${current}. Re-read it and retry.`, 'If-Match', {
      etag: `"${current}"`,
    });
  }
}
export class PreconditionRequiredError extends AppError {
  constructor() {
    super(
      'PRECONDITION_REQUIRED',
      'This write must carry the version it edits: send If-Match: "<version>" or a "version" field',
      'If-Match',
    );
  }
}
export class UnavailableError extends AppError {
  constructor(message: string, retryAfterSeconds = 1) {
    super('UNAVAILABLE', message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, undefined, { 'retry-after': String(retryAfterSeconds) });
  }
}

export function isAppError(err: unknown): err is AppError {
  return typeof err === 'object' && err !== null && (err as { isAppError?: unknown }).isAppError === true;
}

/** Turns validation issues from `@switchboard/core/validate` into one error naming the first field. */
export function issuesError(issues: readonly { path: string; message: string }[], prefix = ''): ValidationError {
  const first = issues[0];
  const field = first ? [prefix, first.path].filter((p) => p !== '').join('.') : prefix || undefined;
  const message = issues
    .slice(0, 5)
    .map((i) => `${[prefix, i.path].filter((p) => p !== '').join('.') || '(document)'} ${i.message}`)
    .join('; ');
  return new ValidationError(message || 'Invalid document', field);
}

const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
]);

/**
 * True when an error (or anything in its `cause` chain) means the database could not be
 * reached or gave up: connection failures, shutdown, recovery, statement or lock timeouts.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (UNAVAILABLE_NODE_CODES.has(code)) return true;
    // SQLSTATE classes: 08 connection exception, 57 operator intervention (shutdown,
    // cannot connect now, query canceled by statement_timeout), 55P03 lock_not_available.
    if (/^(08|57)[0-9A-Z]{3}$/.test(code) || code === '55P03') return true;
  }
  return false;
}

/** The SQLSTATE of a database error, if any (walks `cause`). */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !UNAVAILABLE_NODE_CODES.has(code)) return code;
  }
  return undefined;
}

/** SQLSTATEs that mean the request's own data was refused, with what to tell the client. */
const CLIENT_DATA_STATES: Record<string, string> = {
  '22P05': 'The request contains text the database cannot store (a NUL character, \\u0000)',
  '22021': 'The request contains text the database cannot store (a NUL character or invalid UTF-8)',
  '22003': 'A number in the request is out of range',
  '22008': 'A date in the request is out of range',
  '22007': 'A date in the request is not valid',
};

/**
 * The 400 a database refusal of the client's data becomes (NUL in text or jsonb, a number
 * or date out of range), or undefined when the error is something else.
 */
export function clientDataError(err: unknown): ValidationError | undefined {
  const state = sqlState(err);
  const message = state === undefined ? undefined : CLIENT_DATA_STATES[state];
  return message === undefined ? undefined : new ValidationError(message, state === '22P05' || state === '22021' ? 'body' : undefined);
}

/** Failures to open a connection (as opposed to losing one that was open). */
const CONNECT_FAILURE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'CONNECT_TIMEOUT']);

/**
 * True when a connection to the database could not be opened (refused, timed out, the
 * server starting up or shutting down). A pooled connection dying (reset, terminated by
 * a restart) is not: the next one may well connect, and if not, that attempt says so.
 */
export function isConnectFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (CONNECT_FAILURE_CODES.has(code)) return true;
    // 57P03 cannot_connect_now, 08001 unable to establish, 08004 connection rejected.
    if (code === '57P03' || code === '08001' || code === '08004') return true;
  }
  return false;
}
