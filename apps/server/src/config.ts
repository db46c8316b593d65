/**
 * The only reader of `process.env`. Everything is parsed and validated at once, so a
 * bad deployment fails at start with every problem listed, never halfway through a
 * request.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the admin UI's build lands in the workspace (apps/admin/dist), from src/ or dist/ alike. */
export const DEFAULT_ADMIN_UI_DIR = fileURLToPath(new URL('../../admin/dist/', import.meta.url));

export interface Config {
  port: number;
  host: string;
  /** Postgres connection string; without it the server runs on embedded PGlite. */
  databaseUrl: string | undefined;
  /** PGlite data folder; `undefined` keeps the database in memory (tests). */
  dataDir: string | undefined;
  /** Redis for cross-instance fan-out and the snapshot cache; without it fan-out is in-process. */
  redisUrl: string | undefined;
  /** Bootstrap admin key accepted alongside keys stored in the database. */
  adminToken: string | undefined;
  /** Origins allowed on SDK routes for client keys. Empty = no CORS. `*` only when set explicitly. */
  corsOrigins: string[];
  logLevel: LogLevel;
  /** How often each instance compares its revisions with Postgres (the fan-out safety net). */
  revisionCheckIntervalMs: number;
  /** SSE heartbeat comment interval. */
  heartbeatIntervalMs: number;
  /** An SSE connection whose unsent bytes exceed this is dropped; the client resyncs on reconnect. */
  sseBufferCapBytes: number;
  /** Open SSE connections per API key on one instance; beyond it, 429 + Retry-After. */
  sseMaxConnectionsPerKey: number;
  /** Largest accepted request body. */
  bodyLimit: number;
  /** How long a client may take to send its request headers; slower ones (slowloris) get 408 and are closed. */
  headersTimeoutMs: number;
  /** Admin requests per minute per client IP; 0 disables the limit. */
  adminRateLimitPerMinute: number;
  /** `POST /api/sdk/events` requests per minute per API key (per instance); 0 disables the limit. */
  sdkEventsRateLimitPerMinute: number;
  /** Largest accepted `POST /api/sdk/events` body (a full SDK batch can pass the general limit). */
  eventsBodyLimit: number;
  /** Event batches written to the database at once; more wait, and past a queue of 50 per slot get 503. */
  eventsMaxConcurrentWrites: number;
  /** Days of per-minute evaluation and event aggregates kept; older ones are pruned and not accepted. */
  metricsRetentionDays: number;
  /** Folder of the built admin UI (its index.html and assets), served at `/`; `undefined` serves no UI. */
  adminUiDir: string | undefined;
  /** Upper bound on graceful shutdown before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** How long a Postgres connection attempt may take before the request answers 503. */
  dbConnectTimeoutMs: number;
  /** Server-side statement timeout for Postgres (lock waits and slow queries answer 503). */
  dbStatementTimeoutMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Defaults for everything; `buildApp` callers (tests) override what they need. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 4242,
    host: '0.0.0.0',
    databaseUrl: undefined,
    dataDir: undefined,
    redisUrl: undefined,
    adminToken: undefined,
    corsOrigins: [],
    logLevel: 'info',
    revisionCheckIntervalMs: 1000,
    heartbeatIntervalMs: 15_000,
    sseBufferCapBytes: 1024 * 1024,
    sseMaxConnectionsPerKey: 5000,
    bodyLimit: 1024 * 1024,
    headersTimeoutMs: 20_000,
    adminRateLimitPerMinute: 1200,
    sdkEventsRateLimitPerMinute: 1200,
    eventsBodyLimit: 2 * 1024 * 1024,
    eventsMaxConcurrentWrites: 4,
    metricsRetentionDays: 90,
    adminUiDir: DEFAULT_ADMIN_UI_DIR,
    shutdownTimeoutMs: 10_000,
    dbConnectTimeoutMs: 1500,
    dbStatementTimeoutMs: 5000,
    ...overrides,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment. Throws a `ConfigError` listing every problem. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };

  const base = defaultConfig();
  const databaseUrl = str('DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const redisUrl = str('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push('REDIS_URL must start with redis:// or rediss://');
  }
  const adminToken = str('ADMIN_TOKEN');
  if (adminToken !== undefined && (adminToken.length < 16 || adminToken.length > 256 || !/^[\x21-\x7e]+$/.test(adminToken))) {
    problems.push('ADMIN_TOKEN must be 16-256 printable ASCII characters without spaces');
  }
  const corsOrigins = (str('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      problems.push(`CORS_ORIGINS entry "${origin}" must be an origin like https://app.example.com (no path) or *`);
    }
  }
  const logLevel = (str('LOG_LEVEL') ?? base.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const host = str('HOST') ?? base.host;

  const config: Config = {
    ...base,
    port: int('PORT', base.port, 0, 65_535),
    host,
    databaseUrl,
    dataDir: path.resolve(cwd, str('DATA_DIR') ?? '.data'),
    redisUrl,
    adminToken,
    corsOrigins,
    logLevel,
    metricsRetentionDays: int('METRICS_RETENTION_DAYS', base.metricsRetentionDays, 1, 3650),
    adminUiDir: str('ADMIN_UI_DIR') === undefined ? base.adminUiDir : path.resolve(cwd, str('ADMIN_UI_DIR')!),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
