/**
 * One admin API request over `fetch`: bearer auth, JSON in and out, `If-Match` versions,
 * an optional timeout covering the answer and its body, and every failure as an `ApiError`.
 */
import { ApiError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | undefined | null;

export interface TransportOptions {
  /**
   * Where the server is: an origin, with a path prefix when it sits behind a proxy
   * (`https://ops.example.com/switchboard`). `''` in a browser means this page's origin.
   */
  baseUrl: string;
  /**
   * An admin API key, sent only as `Authorization: Bearer`; null in a browser signed in
   * with a session cookie (then writes need its `X-CSRF-Token` among `headers`).
   */
  token: string | null;
  /** Headers added to every request, or per method (say, a request id on writes). */
  headers?: Record<string, string> | ((method: HttpMethod) => Record<string, string>);
  /** Milliseconds for the answer and its body; none by default. */
  timeoutMs?: number;
  /**
   * `false` refuses 3xx answers (`REDIRECT`) instead of following them, so the key is
   * never sent on to another origin. Default `true`, as `fetch` does.
   */
  followRedirects?: boolean;
  /** `fetch`'s cache mode, e.g. `'no-store'` in a browser; unset by default. */
  cache?: RequestCache;
  /** Called with every error before it is thrown (not when the caller aborted). */
  onError?: (error: ApiError, method: HttpMethod) => void;
  /** The `fetch` to use; the global one by default. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** The version the write was made against, sent as `If-Match: "<version>"`. */
  ifMatch?: number;
  /** Sent as `Idempotency-Key`: a create repeated with the same key is answered once. */
  idempotencyKey?: string;
  /** Why, sent as `X-Change-Reason` (percent-encoded UTF-8). */
  reason?: string;
  signal?: AbortSignal;
}

export interface Transport {
  /** `path` is below `/api/admin`, with every variable part already encoded. */
  request<T>(method: HttpMethod, path: string, options?: RequestOptions): Promise<T>;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown; requestId?: unknown };
}

export function createTransport(options: TransportOptions): Transport {
  const root = options.baseUrl.replace(/\/+$/, '');
  const where = root === '' ? 'the server' : root;
  const fail = (error: ApiError, method: HttpMethod): never => {
    options.onError?.(error, method);
    throw error;
  };

  return {
    async request<T>(method: HttpMethod, path: string, request: RequestOptions = {}): Promise<T> {
      const extra = typeof options.headers === 'function' ? options.headers(method) : options.headers;
      const headers: Record<string, string> = { ...extra, accept: 'application/json' };
      if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.ifMatch !== undefined) headers['if-match'] = `"${request.ifMatch}"`;
      if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
      if (request.reason !== undefined && request.reason.trim() !== '') headers['x-change-reason'] = encodeURIComponent(request.reason);

      const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
      const signal = timeout && request.signal ? AbortSignal.any([timeout, request.signal]) : (timeout ?? request.signal);
      const init: RequestInit = { method, headers, redirect: options.followRedirects === false ? 'manual' : 'follow' };
      if (request.body !== undefined) init.body = JSON.stringify(request.body);
      if (signal) init.signal = signal;
      if (options.cache) init.cache = options.cache;

      let res: Response;
      let text: string;
      try {
        res = await (options.fetch ?? fetch)(`${root}/api/admin${path}${queryString(request.query)}`, init);
        if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
          await res.body?.cancel();
          const location = res.headers.get('location') ?? 'nowhere';
          return fail(
            new ApiError({ status: res.status, code: 'REDIRECT', message: `${where} answered a redirect (${res.status}) to ${location}` }),
            method,
          );
        }
        text = res.status === 204 ? '' : await res.text();
      } catch (err) {
        if (err instanceof ApiError || request.signal?.aborted) throw err;
        if (timeout?.aborted) {
          return fail(
            new ApiError({
              status: 0,
              code: 'TIMEOUT',
              message: `no answer from ${where} within ${options.timeoutMs! / 1000} s`,
              cause: err,
            }),
            method,
          );
        }
        return fail(new ApiError({ status: 0, code: 'NETWORK', message: describeNoAnswer(err, where), cause: err }), method);
      }

      const body = parseJson(text);
      if (res.ok) return body as T;
      const error = (body as ErrorBody | undefined)?.error;
      const fromServer = typeof error?.code === 'string' && typeof error.message === 'string';
      return fail(
        new ApiError({
          status: res.status,
          code: fromServer ? (error.code as string) : `HTTP_${res.status}`,
          message: fromServer
            ? (error.message as string)
            : `${where === 'the server' ? 'The server' : where} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}, not a Switchboard error`,
          field: fromServer && typeof error.field === 'string' ? error.field : undefined,
          requestId: fromServer && typeof error.requestId === 'string' ? error.requestId : undefined,
          retryAfter: retryAfterSeconds(res.headers.get('retry-after')),
          currentVersion: res.status === 412 ? versionOfEtag(res.headers.get('etag')) : undefined,
        }),
        method,
      );
    },
  };
}

/** `?a=1&b=x` from the values that are set; `''` when none is. */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The version an `ETag` names (`"7"`, `W/"7"`), if it names one. */
export function versionOfEtag(etag: string | null): number | undefined {
  const match = etag === null ? null : /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(etag);
  return match ? Number(match[1]) : undefined;
}

/** `Retry-After` as seconds from now: either form the header allows (seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** One line saying why there was no answer, from the system error code `fetch` carries when there is one. */
function describeNoAnswer(err: unknown, where: string): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot connect to ${where}: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot connect to ${where}: host not found`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection to ${where} closed before an answer`;
    default: {
      const detail = typeof cause?.message === 'string' ? cause.message : err instanceof Error ? err.message : String(err);
      return `cannot reach ${where}: ${detail}${code ? ` (${code})` : ''}`;
    }
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
