import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { requireBinary } from './binaries.js';
import { sleep, spawnService, waitForExit, type ServiceProcess } from './child-process.js';
import { findFreePort } from './free-port.js';

export interface RedisOptions {
  /** TCP port on 127.0.0.1. Default: a free port chosen by the kernel. */
  port?: number;
  /** Default /usr/bin/redis-server. */
  binary?: string;
  /** Extra arguments, e.g. ['--maxmemory', '64mb']. */
  args?: readonly string[];
  /** How long to wait for PONG. Default 15 s. */
  startTimeoutMs?: number;
}

export interface RedisService {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  /** Crash: SIGKILL. Nothing is persisted, so a restarted Redis starts empty. */
  kill(): Promise<void>;
  /** Stops if running, then starts again, empty, on the same port. */
  restart(): Promise<void>;
  /** Stops the server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** The server's recent log output, for debugging a failing test. */
  logs(): string;
}

const DEFAULT_BINARY = '/usr/bin/redis-server';
const APT_PACKAGE = 'redis-server';

export async function startRedis(options: RedisOptions = {}): Promise<RedisService> {
  const binary = options.binary ?? DEFAULT_BINARY;
  requireBinary(binary, APT_PACKAGE);
  const tempDir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'));
  const port = options.port ?? (await findFreePort());
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--dir',
    tempDir,
    ...(options.args ?? []),
  ];
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;

  let current: ServiceProcess | undefined;
  let lastLogs = '';
  let removed = false;

  const launch = async (): Promise<void> => {
    const proc = spawnService(binary, args, { cwd: tempDir, tempDir });
    current = proc;
    await waitForPong(port, proc, startTimeoutMs);
  };

  const halt = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const proc = current;
    if (proc === undefined) return;
    current = undefined;
    if (signal === 'SIGKILL') proc.killGroup();
    else if (!proc.hasExited()) proc.child.kill('SIGTERM');
    await waitForExit(proc, 10_000);
    lastLogs = proc.output();
    proc.release();
  };

  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    kill: () => halt('SIGKILL'),
    async restart() {
      if (removed) throw new Error('@switchboard/test-services: restart() after stop()');
      await halt('SIGTERM');
      await launch();
    },
    async stop() {
      if (removed) return;
      removed = true;
      await halt('SIGTERM');
      rmSync(tempDir, { recursive: true, force: true });
    },
    logs: () => current?.output() ?? lastLogs,
  };
}

async function waitForPong(port: number, proc: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(`@switchboard/test-services: redis-server exited during startup (${await proc.exited}):\n${proc.output()}`);
    }
    const client = new Redis({
      host: '127.0.0.1',
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      connectTimeout: 1_000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch (error) {
      lastError = error;
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
  throw new Error(
    `@switchboard/test-services: redis-server did not answer PING on port ${port} within ${timeoutMs} ms ` +
      `(${String(lastError)}):\n${proc.output()}`,
  );
}
