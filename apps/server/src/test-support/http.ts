/** Small request helpers over `inject()` for route tests. */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { App } from '../app.js';
import { ADMIN_TOKEN } from './app.js';
import { takeContractFailures } from './response-contract.js';

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Bearer key; admin token by default, `null` for none. */
  key?: string | null;
}

export interface Http {
  request(method: InjectOptions['method'], url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  get(url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  post(url: string, body?: unknown, options?: RequestOptions): Promise<LightMyRequestResponse>;
  put(url: string, body?: unknown, options?: RequestOptions): Promise<LightMyRequestResponse>;
  patch(url: string, body?: unknown, options?: RequestOptions): Promise<LightMyRequestResponse>;
  del(url: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
}

export function http(app: App): Http {
  const request: Http['request'] = (method, url, options = {}) => {
    const key = options.key === undefined ? ADMIN_TOKEN : options.key;
    const headers: Record<string, string> = { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...options.headers };
    const init: InjectOptions = { method, url, headers };
    if (options.body !== undefined) init.payload = options.body as InjectOptions['payload'];
    return app.inject(init).then((res) => {
      const failures = takeContractFailures(app);
      if (failures.length > 0) throw new Error(`${method} ${url}: the answer doesn't match its declared schema:\n${failures.join('\n')}`);
      return res;
    });
  };
  return {
    request,
    get: (url, o) => request('GET', url, o),
    post: (url, body, o) => request('POST', url, { ...o, body }),
    put: (url, body, o) => request('PUT', url, { ...o, body }),
    patch: (url, body, o) => request('PATCH', url, { ...o, body }),
    del: (url, o) => request('DELETE', url, o),
  };
}

export const ifMatch = (version: number | string): { headers: Record<string, string> } => ({ headers: { 'if-match': `"${version}"` } });

export async function createFlag(api: Http, key: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await api.post('/api/admin/flags', { key, type: 'boolean', ...body });
  if (res.statusCode !== 201) throw new Error(`create flag ${key}: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function configVersion(api: Http, key: string, env: string): Promise<number> {
  const res = await api.get(`/api/admin/flags/${key}/environments/${env}`);
  if (res.statusCode !== 200) throw new Error(`get config ${key}/${env}: ${res.statusCode} ${res.body}`);
  return (res.json() as { version: number }).version;
}

/** PATCHes a config at its current version. */
export async function patchConfig(api: Http, key: string, env: string, body: Record<string, unknown>): Promise<LightMyRequestResponse> {
  return api.patch(`/api/admin/flags/${key}/environments/${env}`, body, ifMatch(await configVersion(api, key, env)));
}

export async function createKey(
  api: Http,
  kind: 'admin' | 'server' | 'client',
  environment?: string,
): Promise<{ id: string; key: string }> {
  const res = await api.post('/api/admin/api-keys', {
    kind,
    name: `${kind}-${environment ?? 'all'}`,
    ...(environment ? { environment } : {}),
  });
  if (res.statusCode !== 201) throw new Error(`create key: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function auditCount(api: Http): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const res = await api.get(`/api/admin/audit?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    const page = res.json() as { events: unknown[]; nextCursor: string | null };
    count += page.events.length;
    cursor = page.nextCursor;
  } while (cursor);
  return count;
}
