/**
 * Errors the client reports through `on('error')` and `ready()`. Check `code`, not
 * `instanceof`: two copies of the package in one process make `instanceof` unreliable.
 */

export type SwitchboardErrorCode =
  /** 401/403: the key is wrong or revoked; the client backs off for minutes. */
  | 'UNAUTHORIZED'
  /** A client key was given: the Node SDK needs a server key (it never connects with this one). */
  | 'WRONG_KEY_KIND'
  /** Any other unexpected HTTP status. */
  | 'HTTP_STATUS'
  /** Connection refused, reset, DNS, TLS… */
  | 'NETWORK'
  /** A request or `ready()` ran past its timeout. */
  | 'TIMEOUT'
  /** The stream went silent past `idleTimeout`. */
  | 'STREAM_IDLE'
  /** The server sent something that isn't a valid snapshot or patch. */
  | 'MALFORMED'
  /** Reading or writing the persisted snapshot failed. */
  | 'PERSISTENCE'
  /** Sending evaluation counts or tracked events failed. */
  | 'EVENTS'
  /** The client was closed. */
  | 'CLOSED';

export class SwitchboardError extends Error {
  readonly code: SwitchboardErrorCode;
  readonly status: number | undefined;

  constructor(code: SwitchboardErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchboardError';
    this.code = code;
    this.status = options.status;
  }
}

/** True for a SwitchboardError from any copy of this package. */
export function isSwitchboardError(e: unknown): e is SwitchboardError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'SwitchboardError' &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}
