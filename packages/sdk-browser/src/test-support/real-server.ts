/// <reference types="node" />
/**
 * The real Switchboard server for the Chromium suite: `buildApp` on embedded PGlite
 * (in memory), listening on 127.0.0.1:0, with CORS for the test page's origin.
 */
import type { AddressInfo } from 'node:net';
import { buildApp, defaultConfig, type App } from '@switchboard/server';

export const ADMIN_TOKEN = 'browser-int-admin-token-0123456789';

/** The admin API over real HTTP. */
export class AdminApi {
  constructor(readonly url: string) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: unknown; headers: Headers }> {
    const res = await fetch(this.url + path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>> {
    const r = await this.call(method, path, body, headers);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  }

  async key(kind: 'client' | 'server', environment = 'production'): Promise<string> {
    return (await this.ok('POST', '/api/admin/api-keys', { kind, environment, name: `browser-int-${kind}` })).key as string;
  }

  createFlag(key: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.ok('POST', '/api/admin/flags', { key, type: 'boolean', variants: { on: true, off: false }, ...body });
  }

  /** PATCHes a flag's config at its current version (`If-Match`). */
  async patchConfig(key: string, body: Record<string, unknown>, environment = 'production'): Promise<Record<string, unknown>> {
    const current = await this.ok('GET', `/api/admin/flags/${key}/environments/${environment}`);
    return this.ok('PATCH', `/api/admin/flags/${key}/environments/${environment}`, body, { 'if-match': `"${String(current.version)}"` });
  }
}

export interface RealServer {
  app: App;
  url: string;
  admin: AdminApi;
  close(): Promise<void>;
}

export async function startRealServer(corsOrigin: string, settings: Parameters<typeof defaultConfig>[0] = {}): Promise<RealServer> {
  const app = await buildApp(
    defaultConfig({
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      adminRateLimitPerMinute: 0,
      corsOrigins: [corsOrigin],
      heartbeatIntervalMs: 1_000,
      ...settings,
    }),
    { logger: false },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, admin: new AdminApi(url), close: () => app.close() };
}
