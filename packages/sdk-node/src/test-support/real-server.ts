/**
 * The real Switchboard server for integration tests: in-process (`buildApp` on embedded
 * PGlite, listening on 127.0.0.1:0) or as a child process running `dist/server.js` on a
 * file-backed database, so a test can SIGKILL it and start it again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { buildApp, defaultConfig, type App, type Config } from '@switchboard/server';

export const ADMIN_TOKEN = 'sdk-int-admin-token-0123456789abcdef';

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
}

/** The admin API over real HTTP. */
export class AdminApi {
  constructor(readonly url: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
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
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (metrics)
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }

  private async ok(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>> {
    const r = await this.call(method, path, body, headers);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  }

  async serverKey(environment = 'production'): Promise<string> {
    const body = await this.ok('POST', '/api/admin/api-keys', { kind: 'server', environment, name: `sdk-int-${environment}` });
    return body.key as string;
  }

  createFlag(key: string, body: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.ok('POST', '/api/admin/flags', { key, type: 'boolean', variants: { on: true, off: false }, ...body });
  }

  /** PATCHes an environment config at its current version (`If-Match`). */
  async patchConfig(key: string, environment: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const current = await this.ok('GET', `/api/admin/flags/${key}/environments/${environment}`);
    return this.ok('PATCH', `/api/admin/flags/${key}/environments/${environment}`, body, { 'if-match': `"${String(current.version)}"` });
  }

  /** Requests the server answered on a route with a status, from its Prometheus metrics. */
  async requestCount(route: string, status: number): Promise<number> {
    const r = await this.call('GET', '/metrics');
    const text = String(r.body);
    let total = 0;
    for (const line of text.split('\n')) {
      if (!line.startsWith('switchboard_http_request_duration_seconds_count{')) continue;
      if (line.includes(`route="${route}"`) && line.includes(`status_code="${status}"`)) total += Number(line.split(' ').pop());
    }
    return total;
  }
}

export interface InProcessServer {
  app: App;
  url: string;
  admin: AdminApi;
  close(): Promise<void>;
}

export async function startInProcessServer(overrides: Partial<Config> = {}): Promise<InProcessServer> {
  const app = await buildApp(defaultConfig({ adminToken: ADMIN_TOKEN, logLevel: 'silent', adminRateLimitPerMinute: 0, ...overrides }), {
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { app, url, admin: new AdminApi(url), close: () => app.close() };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `apps/server/dist/server.js`, the process entry, found through the package's main export. */
function serverEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@switchboard/server')), 'server.js');
}

/** The server as its own OS process on a file-backed embedded database. */
export class ServerProcess {
  private child: ChildProcess | undefined;
  readonly admin: AdminApi;
  output = '';

  constructor(
    readonly port: number,
    readonly dataDir: string,
  ) {
    this.admin = new AdminApi(this.url);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<this> {
    const child = spawn(process.execPath, [serverEntry()], {
      env: {
        ...process.env,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        REDIS_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    // Never outlive the test process.
    const reap = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status === 200) return this;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`server not ready within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL: no graceful shutdown, connections drop as they are. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  stop(): Promise<void> {
    return this.kill();
  }
}
