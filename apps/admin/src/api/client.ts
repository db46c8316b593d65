/**
 * The admin API over fetch: bearer auth, JSON, `If-Match` versions, and errors as data
 * (`ApiError` carries the server's code, message, field and request id).
 */

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string;
  requestId?: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly requestId: string | undefined;
  /** On 412: the version the server holds now (from its ETag). */
  readonly currentVersion: number | undefined;

  constructor(status: number, body: ApiErrorBody, currentVersion?: number) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.field = body.field;
    this.requestId = body.requestId;
    this.currentVersion = currentVersion;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ApiError';
}

export function errorMessage(err: unknown): string {
  if (isApiError(err)) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface RequestOptions {
  body?: unknown;
  /** The version this write was made against, sent as `If-Match: "<version>"`. */
  version?: number;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  data: T;
  etag: string | undefined;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function versionOfEtag(etag: string | null | undefined): number | undefined {
  const m = etag ? /^(?:W\/)?"?(\d+)"?$/.exec(etag.trim()) : null;
  return m ? Number(m[1]) : undefined;
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ApiClient {
  /** Request ids of this tab's writes, so live updates can tell our changes from others'. */
  private readonly ownWrites = new Set<string>();

  constructor(
    private readonly token: string,
    /** Called on a 401 with the refused request's method: a write that got one was not saved. */
    private readonly onUnauthorized: (method: Method) => void = () => {},
    private readonly baseUrl = '',
  ) {}

  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.version !== undefined) headers['if-match'] = `"${options.version}"`;
    if (method !== 'GET') {
      const id = `ui-${randomId()}`;
      headers['x-request-id'] = id;
      this.ownWrites.add(id);
      if (this.ownWrites.size > 500) this.ownWrites.delete(this.ownWrites.values().next().value as string);
    }
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        cache: 'no-store',
      });
    } catch (err) {
      if ((err as { name?: string }).name === 'AbortError') throw err;
      throw new ApiError(0, { code: 'NETWORK', message: 'The server could not be reached. Check your connection and try again.' });
    }
    const etag = res.headers.get('etag') ?? undefined;
    const text = res.status === 204 ? '' : await res.text();
    let json: unknown = undefined;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!res.ok) {
      const body = (json as { error?: ApiErrorBody } | undefined)?.error ?? {
        code: res.status === 404 ? 'NOT_FOUND' : 'HTTP_ERROR',
        message: `The server answered ${res.status} ${res.statusText}`.trim(),
      };
      if (res.status === 401) this.onUnauthorized(method);
      throw new ApiError(res.status, body, res.status === 412 ? versionOfEtag(etag) : undefined);
    }
    return { data: json as T, etag };
  }

  /** True when the audit event with this request id was written from this tab. */
  isOwnWrite(requestId: string | null | undefined): boolean {
    return requestId !== null && requestId !== undefined && this.ownWrites.has(requestId);
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await this.request<T>('GET', path, signal ? { signal } : {})).data;
  }

  async post<T>(path: string, body?: unknown, version?: number): Promise<T> {
    return (await this.request<T>('POST', path, { body: body ?? {}, ...(version !== undefined ? { version } : {}) })).data;
  }

  async put<T>(path: string, body: unknown, version?: number): Promise<T> {
    return (await this.request<T>('PUT', path, { body, ...(version !== undefined ? { version } : {}) })).data;
  }

  async patch<T>(path: string, body: unknown, version?: number): Promise<T> {
    return (await this.request<T>('PATCH', path, { body, ...(version !== undefined ? { version } : {}) })).data;
  }

  async delete(path: string, version?: number): Promise<void> {
    await this.request<unknown>('DELETE', path, version !== undefined ? { version } : {});
  }
}

/** Builds a query string from the defined values. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
