/** What every command gets: output helpers, the `--json` switch and a lazily built admin client. */
import { createAdminClient, type AdminClient } from '@switchboard/api-client';
import { UsageError } from './errors.js';
import type { Values } from './arguments.js';
import type { Io } from './io.js';

export const DEFAULT_URL = 'http://localhost:4242';
export const DEFAULT_TIMEOUT_SECONDS = 10;

export interface Context {
  readonly io: Io;
  /** The command, for usage lines in errors (`flags list`). */
  readonly command: string;
  readonly json: boolean;
  /**
   * The admin client. Connection settings are checked here, so a command checks its own
   * arguments first and calls this only when it is about to send a request.
   */
  api(): AdminClient;
  /** A result line (or block) on stdout. */
  out(text: string): void;
  /** A notice on stderr. */
  note(text: string): void;
  /** The server's JSON on stdout, for `--json`. */
  printJson(value: unknown): void;
}

export function createContext(io: Io, command: string, values: Values): Context {
  let client: AdminClient | undefined;
  const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  return {
    io,
    command,
    json: values.json === true,
    api() {
      client ??= createClient(io, values, command);
      return client;
    },
    out: (text) => void io.stdout.write(line(text)),
    note: (text) => void io.stderr.write(line(text)),
    printJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

function createClient(io: Io, values: Values, command: string): AdminClient {
  const rawUrl = (typeof values.url === 'string' ? values.url : undefined) ?? nonEmpty(io.env.SWITCHBOARD_URL) ?? DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`--url "${rawUrl}" is not a URL (like ${DEFAULT_URL})`, command);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must be http:// or https://, not "${url.protocol}"`, command);
  if (url.username || url.password)
    throw new UsageError('--url must not carry credentials; the admin key goes in SWITCHBOARD_TOKEN', command);
  if (url.search || url.hash) throw new UsageError('--url must not have a query or fragment', command);

  const token = (typeof values.token === 'string' ? values.token : undefined) ?? nonEmpty(io.env.SWITCHBOARD_TOKEN);
  if (token === undefined || token.length === 0) {
    throw new UsageError('no admin key: set SWITCHBOARD_TOKEN (or pass --token, which stays in your shell history)', command);
  }
  // A header value can't hold these; say so rather than let fetch throw something obscure.
  if (/[\r\n\0]/.test(token)) throw new UsageError('the admin key contains a line break or NUL; check SWITCHBOARD_TOKEN', command);

  const rawTimeout = typeof values.timeout === 'string' ? values.timeout : nonEmpty(io.env.SWITCHBOARD_TIMEOUT);
  let seconds = DEFAULT_TIMEOUT_SECONDS;
  if (rawTimeout !== undefined) {
    seconds = Number(rawTimeout);
    if (!/^\d+(\.\d+)?$/.test(rawTimeout) || seconds <= 0 || seconds > 600) {
      throw new UsageError(`--timeout must be seconds, more than 0 and at most 600, not "${rawTimeout}"`, command);
    }
  }
  const reason = typeof values.reason === 'string' ? values.reason.trim() : undefined;
  if (reason !== undefined && (reason === '' || /[\r\n]/.test(reason) || [...reason].length > 500)) {
    throw new UsageError('--reason must be one line of 1 to 500 characters', command);
  }
  // A redirect is a misconfigured URL; following it could move the key to another origin.
  return createAdminClient({
    baseUrl: url.href,
    token,
    ...(reason
      ? { headers: (method: string): Record<string, string> => (method === 'GET' ? {} : { 'x-change-reason': encodeURIComponent(reason) }) }
      : {}),
    timeoutMs: Math.ceil(seconds * 1000),
    followRedirects: false,
    fetch: io.fetch ?? fetch,
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
