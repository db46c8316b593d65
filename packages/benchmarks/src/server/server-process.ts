import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, residentBytes, type ChildGroup, type ChildRun } from '../child-processes.js';
import { AdminApi } from './admin-api.js';
import type { MemoryReport } from './probe-protocol.js';

/** The bootstrap admin key every benchmark server starts with (loopback only). */
export const ADMIN_TOKEN = 'benchmark-admin-token-0123456789abcdef';

/** `apps/server/dist/server.js`, the process entry, beside the package's main export. */
export function serverEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@switchboard/server')), 'server.js');
}

const PROBE = join(dirname(fileURLToPath(import.meta.url)), 'server-probe.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface ServerStartOptions {
  name: string;
  /** `DATA_DIR` for embedded PGlite, or `DATABASE_URL`. */
  database: { dataDir: string } | { url: string };
  redisUrl?: string;
  /** CPUs for `taskset -c`, e.g. "0". */
  cpus?: string;
  startTimeoutMs?: number;
  /** More environment variables (limits, TRUST_PROXY), as a deployment would set them. */
  env?: Record<string, string>;
}

/**
 * A Switchboard server as its own OS process: `node apps/server/dist/server.js`, configured
 * through its environment variables like a deployment, on 127.0.0.1, with the probe
 * preloaded (memory reports, and it dies with the benchmark).
 */
export class ServerProcess {
  readonly admin: AdminApi;
  private probeId = 0;

  private constructor(
    readonly run: ChildRun,
    readonly url: string,
  ) {
    this.admin = new AdminApi(url, ADMIN_TOKEN);
  }

  static async start(group: ChildGroup, options: ServerStartOptions): Promise<ServerProcess> {
    const port = await freePort();
    const db =
      'url' in options.database
        ? { DATABASE_URL: options.database.url, DATA_DIR: '' }
        : { DATA_DIR: options.database.dataDir, DATABASE_URL: '' };
    const run = group.node(options.name, ['--expose-gc', '--import', PROBE, serverEntry()], {
      cpus: options.cpus,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        REDIS_URL: options.redisUrl ?? '',
        NODE_ENV: 'production',
        ...db,
        ...options.env,
      },
    });
    const server = new ServerProcess(run, `http://127.0.0.1:${port}`);
    const timeout = options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeout;
    for (;;) {
      if (!run.running) throw new Error(`${options.name} exited during start:\n${run.output()}`);
      try {
        const res = await fetch(`${server.url}/health/ready`);
        await res.arrayBuffer();
        if (res.status === 200) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${options.name} not ready within ${timeout} ms:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number {
    return this.run.pid;
  }

  /** VmRSS of the server process, bytes. */
  rss(): number {
    return residentBytes(this.pid);
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  /** `process.memoryUsage()` inside the server, after two full GCs there. */
  memory(timeoutMs = 10_000): Promise<MemoryReport> {
    const id = ++this.probeId;
    const child = this.run.process;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`${this.run.name}: no memory report within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: MemoryReport) => {
        if (m?.type !== 'memory' || m.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      this.run.send({ type: 'memory', id });
    });
  }

  /** One metric's value (summed over label sets matching `labels`; 0 when it has none yet) from `GET /metrics`. */
  async metric(name: string, labels = ''): Promise<number> {
    const res = await fetch(`${this.url}/metrics`);
    const text = await res.text();
    let total = 0;
    let found = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      if (labels && !line.includes(labels)) continue;
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
      found = true;
    }
    if (!found && !text.includes(`# TYPE ${name} `))
      throw new Error(`${this.run.name}: metric ${name}${labels ? ` {${labels}}` : ''} not in /metrics`);
    return total;
  }

  stop(): Promise<void> {
    return this.run.stop(10_000);
  }
}
