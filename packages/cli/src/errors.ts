/**
 * The three ways a command fails, each with its exit code. Checked by `kind`, not
 * `instanceof`, like everywhere else in the repository.
 */

export const EXIT = {
  ok: 0,
  /** The server refused the request (4xx). */
  refused: 1,
  /** Bad command line, or a production write not confirmed: caught before anything is written. */
  usage: 2,
  /** The server failed (5xx) or could not be reached (timeout, connection refused, DNS). */
  unavailable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type CliErrorKind = 'usage' | 'api' | 'connection';

export abstract class CliError extends Error {
  abstract readonly kind: CliErrorKind;
  abstract readonly exitCode: ExitCode;
}

/** A mistake on the command line, found before any request. */
export class UsageError extends CliError {
  readonly kind = 'usage';
  readonly exitCode = EXIT.usage;
  constructor(
    message: string,
    /** The command whose usage line is printed after the message. */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The server answered with an error: `{ error: { code, message, field?, requestId } }`. */
export class ApiError extends CliError {
  readonly kind = 'api';
  readonly exitCode: ExitCode;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
    readonly requestId: string | undefined,
    /** From the `ETag` of a 412: the version the config has now. */
    readonly currentVersion: number | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
    this.exitCode = status >= 400 && status < 500 ? EXIT.refused : EXIT.unavailable;
  }
}

/** No usable answer: connection refused, timeout, DNS, TLS, a redirect. */
export class ConnectionError extends CliError {
  readonly kind = 'connection';
  readonly exitCode = EXIT.unavailable;
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

export function isCliError(err: unknown): err is CliError {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return err instanceof Error && (kind === 'usage' || kind === 'api' || kind === 'connection');
}
