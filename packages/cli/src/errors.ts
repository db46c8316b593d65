/**
 * How a command fails, each way with its exit code: a `UsageError` before any request, or
 * the admin client's `ApiError` (an error answer, or none). Checked by name, not
 * `instanceof`, like everywhere else in the repository.
 */
import type { ApiError } from '@switchboard/api-client';

export const EXIT = {
  ok: 0,
  /** The server refused the request (4xx). */
  refused: 1,
  /** Bad command line, or a production write not confirmed: caught before anything is written. */
  usage: 2,
  /** The server failed (5xx) or could not be reached (timeout, connection refused, DNS, a redirect). */
  unavailable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line, found before any request. */
export class UsageError extends Error {
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

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof Error && err.name === 'UsageError';
}

/** 4xx is a refusal; a 5xx, a redirect or no answer at all means the server is unavailable. */
export function exitCodeOf(err: ApiError): ExitCode {
  return err.status >= 400 && err.status < 500 ? EXIT.refused : EXIT.unavailable;
}
