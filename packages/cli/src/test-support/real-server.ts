/**
 * The real Switchboard server for the CLI's tests: `buildApp` on embedded PGlite (in
 * memory), listening on 127.0.0.1:0; plus a direct admin API client for setting up and
 * checking state, and `run()` to call `main()` in-process with captured output.
 */
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { createAdminClient, type AdminClient, type CreateFlagBody, type FlagConfig, type PatchConfigBody } from '@switchboard/api-client';
import { buildApp, defaultConfig, type App } from '@switchboard/server';
import { main } from '../main.js';
import type { Io } from '../io.js';

export const ADMIN_TOKEN = 'cli-test-admin-token-0123456789abcdef';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The admin API over real HTTP, bypassing the CLI. */
export class AdminApi {
  private readonly client: AdminClient;

  constructor(readonly url: string) {
    this.client = createAdminClient({ baseUrl: url, token: ADMIN_TOKEN });
  }

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = ADMIN_TOKEN): Promise<Reply> {
    const res = await fetch(this.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  }

  createFlag(key: string, body: Partial<CreateFlagBody> = {}): Promise<unknown> {
    return this.client.flags.create({ key, type: 'boolean', variants: { on: true, off: false }, ...body });
  }

  config(key: string, environment: string): Promise<FlagConfig> {
    return this.client.configs.get(key, environment);
  }

  /** PATCHes a config at its current version (`If-Match`): "someone else" editing it. */
  async patchConfig(key: string, environment: string, body: PatchConfigBody): Promise<FlagConfig> {
    const current = await this.config(key, environment);
    return this.client.configs.patch(key, environment, body, { ifMatch: current.version });
  }

  async serverKey(environment: string): Promise<string> {
    const body = await this.client.apiKeys.create({ kind: 'server', environment, name: `cli-test-${environment}` });
    return body.key!;
  }

  /** What an SDK with this key receives. */
  async sdkFlags(sdkKey: string): Promise<{ flags: Record<string, { enabled: boolean; version: number; fallthrough: unknown }> }> {
    const r = await this.call('GET', '/api/sdk/flags', undefined, {}, sdkKey);
    if (r.status !== 200) throw new Error(`GET /api/sdk/flags: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as { flags: Record<string, { enabled: boolean; version: number; fallthrough: unknown }> };
  }
}

export interface RealServer {
  app: App;
  url: string;
  admin: AdminApi;
  close(): Promise<void>;
}

export async function startServer(overrides: Parameters<typeof defaultConfig>[0] = {}): Promise<RealServer> {
  const config = defaultConfig({ adminToken: ADMIN_TOKEN, logLevel: 'silent', adminRateLimitPerMinute: 0, ...overrides });
  const app = await buildApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, admin: new AdminApi(url), close: () => app.close() };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** `METHOD /path` of every request the CLI sent, in order. */
  requests: string[];
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Lines typed at a prompt. */
  input?: string;
  isTTY?: boolean;
  /** Runs before the CLI's request goes out: a concurrent edit, for instance. */
  before?: (method: string, url: URL) => Promise<void> | void;
}

/** `switchboard <argv>` in-process against `url`, with the admin key in SWITCHBOARD_TOKEN. */
export async function run(url: string | undefined, argv: string[], options: RunOptions = {}): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const requests: string[] = [];
  const io: Io = {
    env: { SWITCHBOARD_URL: url, SWITCHBOARD_TOKEN: ADMIN_TOKEN, ...options.env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from(options.input === undefined ? [] : [options.input]),
    isTTY: options.isTTY ?? false,
    fetch: async (input, init) => {
      const target = new URL(input instanceof Request ? input.url : String(input));
      const method = init?.method ?? 'GET';
      requests.push(`${method} ${target.pathname}`);
      await options.before?.(method, target);
      return fetch(input, init);
    },
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, requests };
}
