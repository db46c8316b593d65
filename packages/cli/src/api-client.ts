/**
 * The admin API over HTTP: the key only ever in `Authorization: Bearer`, a timeout on
 * every request (answer and body), server errors turned into `ApiError`, everything that
 * is not an answer into `ConnectionError`.
 */
import { ApiError, ConnectionError } from './errors.js';

export interface AdminClientOptions {
  /** Base URL of the server; a path prefix (behind a proxy) is kept. */
  url: URL;
  token: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  /** The version the write was made against, sent as `If-Match: "<version>"`. */
  ifMatch?: number;
  query?: Record<string, string | number | boolean | undefined>;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; requestId?: unknown };
}

export class AdminClient {
  constructor(private readonly options: AdminClientOptions) {}

  get url(): string {
    return this.options.url.href.replace(/\/$/, '');
  }

  /** `path` is relative to `/api/admin`, with every variable part already encoded. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = this.resolve(path, options.query);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    const seconds = this.options.timeoutMs / 1000;
    const signal = AbortSignal.timeout(this.options.timeoutMs);

    let status: number;
    let statusText: string;
    let etag: string | null;
    let text: string;
    try {
      // A redirect is a misconfigured URL; following it could move the key to another origin.
      const res = await this.options.fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        redirect: 'manual',
        signal,
      });
      status = res.status;
      statusText = res.statusText;
      etag = res.headers.get('etag');
      if (status >= 300 && status < 400) {
        await res.body?.cancel();
        throw new ConnectionError(`${this.url} answered a redirect (${status}) to ${res.headers.get('location') ?? 'nowhere'}; point --url at the server itself`);
      }
      text = await res.text();
    } catch (err) {
      if (err instanceof ConnectionError) throw err;
      throw new ConnectionError(describeFailure(err, this.url, seconds));
    }

    const body = parseJson(text);
    if (status < 300) return body as T;
    const error = (body as ErrorBody | undefined)?.error;
    const message = typeof error?.message === 'string' ? error.message : `${this.url} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}, not a Switchboard error`;
    throw new ApiError(
      status,
      typeof error?.code === 'string' ? error.code : `HTTP_${status}`,
      message,
      typeof error?.field === 'string' ? error.field : undefined,
      typeof error?.requestId === 'string' ? error.requestId : undefined,
      status === 412 ? versionOf(etag) : undefined,
    );
  }

  private resolve(path: string, query: RequestOptions['query']): URL {
    const base = this.options.url.href.endsWith('/') ? this.options.url.href : `${this.options.url.href}/`;
    const url = new URL(`api/admin${path}`, base);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url;
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function versionOf(etag: string | null): number | undefined {
  const match = etag === null ? null : /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

/** One line saying why there was no answer, without a stack. */
function describeFailure(err: unknown, url: string, seconds: number): string {
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer from ${url} within ${seconds} s`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${url}: connection refused (is the server running? set --url or SWITCHBOARD_URL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${url}: host not found`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection to ${url} closed before an answer`;
    default: {
      const detail = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
      return `cannot reach ${url}: ${detail}${code ? ` (${code})` : ''}`;
    }
  }
}
