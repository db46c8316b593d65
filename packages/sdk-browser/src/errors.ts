/**
 * Errors the client reports through `on('error')`, `on('stale')` and `ready()`. Check
 * `code` (two copies of the SDK on a page make `instanceof` unreliable, so there is no
 * class): `UNAUTHORIZED` (401/403), `HTTP_STATUS`, `NETWORK`, `TIMEOUT`, `MALFORMED`,
 * `EVENTS`, `CLOSED`.
 */
export type SwitchboardErrorCode = 'UNAUTHORIZED' | 'HTTP_STATUS' | 'NETWORK' | 'TIMEOUT' | 'MALFORMED' | 'EVENTS' | 'CLOSED';

export interface SwitchboardError extends Error {
  code: SwitchboardErrorCode;
  /** The HTTP status, for HTTP failures. */
  status?: number;
  /** From `Retry-After` (seconds) on a refusal, ms. */
  retryAfter?: number;
}

/** `message` may be a caught error: its text is used. */
export const error = (code: SwitchboardErrorCode, message: unknown, status?: number, retryAfter?: number): SwitchboardError =>
  Object.assign(Error('switchboard: ' + message), { code, status, retryAfter });
