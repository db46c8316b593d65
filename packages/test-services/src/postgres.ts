import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { requireBinary } from './binaries.js';
import { sleep, spawnService, waitForExit, waitForGroupGone, type ServiceProcess } from './child-process.js';
import { findFreePort } from './free-port.js';

export interface PostgresOptions {
  /**
   * Turn off fsync, synchronous_commit and full_page_writes. Faster, but an acknowledged
   * commit can be lost on a crash. Default false: crash-durability tests need real semantics.
   */
  fast?: boolean;
  /** TCP port on 127.0.0.1. Default: a free port chosen by the kernel. */
  port?: number;
  /** Folder with initdb and postgres. Default /usr/lib/postgresql/15/bin. */
  binDir?: string;
  /** Default 200. */
  maxConnections?: number;
  /** Extra server settings, passed as `-c name=value`. */
  settings?: Record<string, string | number | boolean>;
  /** How long to wait for the server to accept connections. Default 30 s. */
  startTimeoutMs?: number;
}

export interface CreateDatabaseOptions {
  /** Clone this database (CREATE DATABASE ... TEMPLATE): migrate once, copy per test file. */
  template?: string;
}

export interface PostgresService {
  /** postgres://postgres@127.0.0.1:PORT/postgres (trust auth, no password). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Creates a database and returns its URL. */
  createDatabase(name: string, options?: CreateDatabaseOptions): Promise<string>;
  /** Crash: SIGKILL the postmaster and every backend. Data dir is kept; call restart(). */
  kill(): Promise<void>;
  /** Fast shutdown (clients are disconnected, nothing is lost); the data dir is kept. Call restart() to start again. */
  shutdown(): Promise<void>;
  /** Stops (fast shutdown) if running, then starts again on the same port and data dir. */
  restart(): Promise<void>;
  /** Stops the server and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** The server's recent log output, for debugging a failing test. */
  logs(): string;
}

const DEFAULT_BIN_DIR = '/usr/lib/postgresql/15/bin';
const APT_PACKAGE = 'postgresql-15';

interface OsUser {
  uid: number;
  gid: number;
}

/** As root, Postgres must run as the `postgres` OS user (initdb refuses root). */
function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const fields = line?.split(':');
  if (fields === undefined || fields.length < 4) {
    throw new Error(
      '@switchboard/test-services: running as root but there is no `postgres` OS user to run Postgres as. ' +
        `It comes with the Debian package: apt-get update && apt-get install -y ${APT_PACKAGE}`,
    );
  }
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresService> {
  const binDir = options.binDir ?? DEFAULT_BIN_DIR;
  const initdb = join(binDir, 'initdb');
  const server = join(binDir, 'postgres');
  requireBinary(initdb, APT_PACKAGE);
  requireBinary(server, APT_PACKAGE);
  const user = postgresOsUser();

  const tempDir = mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  const dataDir = join(tempDir, 'data');
  if (user !== undefined) chownSync(tempDir, user.uid, user.gid);
  const asUser = user === undefined ? {} : { uid: user.uid, gid: user.gid };

  try {
    // --no-sync only skips flushing initdb's files to disk: that matters after an OS crash,
    // which tests cannot produce; a killed server still finds them in the page cache.
    execFileSync(
      initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...asUser, cwd: tempDir, stdio: 'pipe', env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`@switchboard/test-services: initdb failed: ${(error as Error).message}\n${stderr}`);
  }

  const port = options.port ?? (await findFreePort());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const durability = options.fast === true ? 'off' : 'on';
  const settings: Record<string, string | number | boolean> = {
    port,
    listen_addresses: '127.0.0.1',
    unix_socket_directories: tempDir,
    max_connections: options.maxConnections ?? 200,
    fsync: durability,
    synchronous_commit: durability,
    full_page_writes: durability,
    logging_collector: 'off',
    ...options.settings,
  };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${String(value)}`])];
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  let current: ServiceProcess | undefined;
  let lastLogs = '';
  let removed = false;

  const launch = async (): Promise<void> => {
    const proc = spawnService(server, args, { ...asUser, cwd: tempDir, tempDir, env: { ...process.env, LC_ALL: 'C' } });
    current = proc;
    await waitUntilReady(url, proc, startTimeoutMs);
  };

  const shutdown = async (): Promise<void> => {
    const proc = current;
    if (proc === undefined) return;
    current = undefined;
    if (!proc.hasExited()) proc.child.kill('SIGINT'); // fast shutdown: roll back, checkpoint, exit
    await waitForExit(proc, 15_000);
    if (proc.child.pid !== undefined) await waitForGroupGone(proc.child.pid, 5_000);
    lastLogs = proc.output();
    proc.release();
  };

  const crash = async (): Promise<void> => {
    const proc = current;
    if (proc === undefined) return;
    current = undefined;
    proc.killGroup();
    await proc.exited;
    if (proc.child.pid !== undefined) await waitForGroupGone(proc.child.pid, 5_000);
    lastLogs = proc.output();
    proc.release();
  };

  try {
    await launch();
  } catch (error) {
    await crash();
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    port,
    dataDir,
    async createDatabase(name, createOptions = {}) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        const template = createOptions.template === undefined ? sql`` : sql`TEMPLATE ${sql(createOptions.template)}`;
        await sql`CREATE DATABASE ${sql(name)} ${template}`;
      } finally {
        await sql.end({ timeout: 5 });
      }
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    kill: crash,
    shutdown,
    async restart() {
      if (removed) throw new Error('@switchboard/test-services: restart() after stop(): the data dir is gone');
      await shutdown();
      await launch();
    },
    async stop() {
      if (removed) return;
      removed = true;
      await shutdown();
      rmSync(tempDir, { recursive: true, force: true });
    },
    logs: () => current?.output() ?? lastLogs,
  };
}

async function waitUntilReady(url: string, proc: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (proc.hasExited()) {
      throw new Error(`@switchboard/test-services: postgres exited during startup (${await proc.exited}):\n${proc.output()}`);
    }
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
    await sleep(50);
  }
  throw new Error(
    `@switchboard/test-services: postgres did not accept connections on ${url} within ${timeoutMs} ms ` +
      `(${String(lastError)}):\n${proc.output()}`,
  );
}
