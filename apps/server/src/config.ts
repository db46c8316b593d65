/**
 * The only reader of `process.env`. Everything is parsed and validated at once, so a
 * bad deployment fails at start with every problem listed, never halfway through a
 * request.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './modules/webhooks/retry-schedule.js';

/**
 * The admin UI's build: in the workspace apps/admin/dist (from src/ or dist/ alike); in the
 * npm package the copy `prepack` put in dist/admin-ui.
 */
const WORKSPACE_ADMIN_UI_DIR = fileURLToPath(new URL('../../admin/dist/', import.meta.url));
export const DEFAULT_ADMIN_UI_DIR = existsSync(WORKSPACE_ADMIN_UI_DIR)
  ? WORKSPACE_ADMIN_UI_DIR
  : fileURLToPath(new URL('./admin-ui/', import.meta.url));

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
  /** The admin UI's origin as browsers reach it (invitation links, the OIDC redirect); default: the request's own. */
  publicUrl: string | undefined;
  /** How long a signed-in person's session lasts. */
  sessionTtlMs: number;
  /** Sign-in with an OpenID Connect provider; undefined: local accounts only. */
  oidc: { issuer: string; clientId: string; clientSecret: string } | undefined;
  /** Origins allowed on SDK routes for client keys. Empty = no CORS. `*` only when set explicitly. */
  corsOrigins: string[];
  logLevel: LogLevel;
  /** How often each instance compares its revisions with Postgres (the fan-out safety net). */
  revisionCheckIntervalMs: number;
  /** SSE heartbeat comment interval. */
  heartbeatIntervalMs: number;
  /** An SSE connection whose unsent bytes exceed this is dropped; the client resyncs on reconnect. */
  sseBufferCapBytes: number;
  /** An SSE connection with unsent bytes that doesn't drain them within this long is closed. */
  sseDrainTimeoutMs: number;
  /** Open SSE connections per API key on one instance; beyond it, 429 + Retry-After. */
  sseMaxConnectionsPerKey: number;
  /** Open SSE connections per client IP (per key) on one instance; beyond it, 429 + Retry-After. */
  sseMaxConnectionsPerIp: number;
  /** Open SSE connections on one instance, all keys together; beyond it, 429 + Retry-After. */
  sseMaxConnections: number;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client IP (Fastify's `trustProxy`):
   * false (default: the socket's address), true (any), a hop count, or addresses/CIDRs.
   */
  trustProxy: boolean | number | string[];
  /** Largest accepted request body. */
  bodyLimit: number;
  /** How long a client may take to send its request headers; slower ones (slowloris) get 408 and are closed. */
  headersTimeoutMs: number;
  /** Admin requests per minute per client IP; 0 disables the limit. */
  adminRateLimitPerMinute: number;
  /** `POST /api/sdk/events` requests per minute per API key and client IP (per instance); 0 disables the limit. */
  sdkEventsRateLimitPerMinute: number;
  /** `POST /api/sdk/events` requests per minute per API key, all IPs together (per instance); 0 disables the limit. */
  sdkEventsKeyRateLimitPerMinute: number;
  /** Distinct `track()` event names stored per environment; events with new names beyond it are counted as dropped. */
  eventsMaxEventNames: number;
  /**
   * How far back a client key may report: older entries are answered as expired. Browsers
   * flush every few seconds; without it a public key could spread rows over the whole retention.
   */
  eventsClientMaxAgeMs: number;
  /** Largest accepted `POST /api/sdk/events` body (a full SDK batch can pass the general limit). */
  eventsBodyLimit: number;
  /** `POST /ofrep/v1/*` requests per minute per API key and client IP (per instance); 0 disables the limit. */
  ofrepRateLimitPerMinute: number;
  /** Largest accepted OFREP request body (an evaluation context). */
  ofrepBodyLimit: number;
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
  /** Failed authentications per client IP per minute before further attempts get 429 (progressively longer); 0 disables. */
  authFailuresPerMinute: number;
  /** How old a key record cached in Redis may be and still authenticate while Postgres is unreachable. */
  keyCacheMaxAgeMs: number;
  /** Bearer token required by `GET /metrics`; `undefined` leaves it open (bind it to a private network then). */
  metricsToken: string | undefined;
  /** Lets webhooks target private, loopback and link-local addresses (tests, or receivers on a private network). */
  webhookAllowPrivate: boolean;
  /** Whether this instance sends webhook deliveries; off, it only writes them to the outbox for others to send. */
  webhookDeliveryEnabled: boolean;
  /** One webhook attempt's limit, connection to last byte read. */
  webhookTimeoutMs: number;
  /** Delays between a delivery's attempts; when spent, it is `failed`. */
  webhookRetrySchedule: number[];
  /** How often each instance looks for due deliveries (commits on this instance wake it at once). */
  webhookPollIntervalMs: number;
  /** Webhook attempts in flight at once per instance. */
  webhookConcurrency: number;
  /** How long the previous secret keeps signing after a rotation. */
  webhookSecretRotationWindowMs: number;
  /** Days finished deliveries stay in the delivery log. */
  webhookDeliveryRetentionDays: number;
  /** How often each instance looks for due scheduled changes it has no timer for (made elsewhere, or left by a crash). */
  schedulerSweepIntervalMs: number;
  /** Pending scheduled changes allowed per flag and environment. */
  scheduledChangesMaxPending: number;
  /** How often each instance checks release plans: starts, stage changes, guards, manual edits. */
  releaseCheckIntervalMs: number;
  /** Distinct units a release stage keeps (both arms) before its arms are sampled down by unit hash. */
  releaseMaxUnitsPerStage: number;
  /** Days a temporary flag serves one variant everywhere (or isn't evaluated) before it is stale; flags may override. */
  staleFlagDays: number;
  /** How often each instance checks for flags that became stale (and sends `flag.stale`). */
  staleCheckIntervalMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Defaults for everything; `buildApp` callers (tests) override what they need. */
export function defaultConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 4242,
    // Local by default: a laptop's server isn't reachable from the network. The container image sets 0.0.0.0.
    host: '127.0.0.1',
    databaseUrl: undefined,
    dataDir: undefined,
    redisUrl: undefined,
    adminToken: undefined,
    publicUrl: undefined,
    sessionTtlMs: 12 * 60 * 60_000,
    oidc: undefined,
    corsOrigins: [],
    logLevel: 'info',
    revisionCheckIntervalMs: 1000,
    heartbeatIntervalMs: 15_000,
    sseBufferCapBytes: 1024 * 1024,
    sseDrainTimeoutMs: 30_000,
    sseMaxConnectionsPerKey: 10_000,
    sseMaxConnectionsPerIp: 100,
    sseMaxConnections: 20_000,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    headersTimeoutMs: 20_000,
    adminRateLimitPerMinute: 1200,
    sdkEventsRateLimitPerMinute: 120,
    sdkEventsKeyRateLimitPerMinute: 120_000,
    eventsMaxEventNames: 500,
    eventsClientMaxAgeMs: 24 * 3_600_000,
    eventsBodyLimit: 2 * 1024 * 1024,
    ofrepRateLimitPerMinute: 6000,
    ofrepBodyLimit: 64 * 1024,
    eventsMaxConcurrentWrites: 4,
    metricsRetentionDays: 90,
    schedulerSweepIntervalMs: 5000,
    scheduledChangesMaxPending: 50,
    releaseCheckIntervalMs: 10_000,
    releaseMaxUnitsPerStage: 1_000_000,
    staleFlagDays: 14,
    staleCheckIntervalMs: 15 * 60_000,
    adminUiDir: DEFAULT_ADMIN_UI_DIR,
    shutdownTimeoutMs: 10_000,
    dbConnectTimeoutMs: 1500,
    dbStatementTimeoutMs: 5000,
    authFailuresPerMinute: 30,
    keyCacheMaxAgeMs: 15 * 60_000,
    metricsToken: undefined,
    webhookAllowPrivate: false,
    webhookDeliveryEnabled: true,
    webhookTimeoutMs: 10_000,
    webhookRetrySchedule: parseRetrySchedule(DEFAULT_RETRY_SCHEDULE),
    webhookPollIntervalMs: 1000,
    webhookConcurrency: 10,
    webhookSecretRotationWindowMs: 24 * 3_600_000,
    webhookDeliveryRetentionDays: 30,
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
  const publicUrl = str('PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+$/.test(publicUrl)) {
    problems.push('PUBLIC_URL must be an origin like https://flags.example.com (no path)');
  }
  const oidcIssuer = str('OIDC_ISSUER');
  const oidcClientId = str('OIDC_CLIENT_ID');
  const oidcClientSecret = str('OIDC_CLIENT_SECRET');
  let oidc: Config['oidc'];
  if (oidcIssuer !== undefined || oidcClientId !== undefined || oidcClientSecret !== undefined) {
    if (oidcIssuer === undefined || oidcClientId === undefined || oidcClientSecret === undefined) {
      problems.push('OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three or none');
    } else if (!/^https?:\/\/\S+$/.test(oidcIssuer)) {
      problems.push("OIDC_ISSUER must be the provider's issuer URL (https://…)");
    } else {
      oidc = { issuer: oidcIssuer, clientId: oidcClientId, clientSecret: oidcClientSecret };
    }
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
  const metricsToken = str('METRICS_TOKEN');
  if (metricsToken !== undefined && (metricsToken.length < 16 || metricsToken.length > 256 || !/^[\x21-\x7e]+$/.test(metricsToken))) {
    problems.push('METRICS_TOKEN must be 16-256 printable ASCII characters without spaces');
  }
  const trustProxy = parseTrustProxy(str('TRUST_PROXY'), problems);
  // Takes the value read with str(), so config.test.ts sees every variable name read.
  const bool = (name: string, raw: string | undefined, fallback: boolean): boolean => {
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  let webhookRetrySchedule = base.webhookRetrySchedule;
  const retryScheduleText = str('WEBHOOK_RETRY_SCHEDULE');
  if (retryScheduleText !== undefined) {
    try {
      webhookRetrySchedule = parseRetrySchedule(retryScheduleText);
    } catch (err) {
      problems.push(`WEBHOOK_RETRY_SCHEDULE: ${(err as Error).message}`);
    }
  }

  const config: Config = {
    ...base,
    port: int('PORT', base.port, 0, 65_535),
    host,
    databaseUrl,
    dataDir: path.resolve(cwd, str('DATA_DIR') ?? '.data'),
    redisUrl,
    adminToken,
    publicUrl,
    sessionTtlMs: int('SESSION_TTL_HOURS', base.sessionTtlMs / 3_600_000, 1, 720) * 3_600_000,
    oidc,
    corsOrigins,
    logLevel,
    metricsRetentionDays: int('METRICS_RETENTION_DAYS', base.metricsRetentionDays, 1, 3650),
    trustProxy,
    metricsToken,
    bodyLimit: int('BODY_LIMIT', base.bodyLimit, 1024, 100 * 1024 * 1024),
    eventsBodyLimit: int('EVENTS_BODY_LIMIT', base.eventsBodyLimit, 1024, 100 * 1024 * 1024),
    ofrepRateLimitPerMinute: int('OFREP_RATE_LIMIT_PER_MINUTE', base.ofrepRateLimitPerMinute, 0, 100_000_000),
    ofrepBodyLimit: int('OFREP_BODY_LIMIT', base.ofrepBodyLimit, 1024, 10 * 1024 * 1024),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', base.headersTimeoutMs, 1000, 600_000),
    sseBufferCapBytes: int('SSE_BUFFER_CAP_BYTES', base.sseBufferCapBytes, 16 * 1024, 1024 * 1024 * 1024),
    sseDrainTimeoutMs: int('SSE_DRAIN_TIMEOUT_MS', base.sseDrainTimeoutMs, 1000, 3_600_000),
    sseMaxConnectionsPerKey: int('SSE_MAX_CONNECTIONS_PER_KEY', base.sseMaxConnectionsPerKey, 1, 10_000_000),
    sseMaxConnectionsPerIp: int('SSE_MAX_CONNECTIONS_PER_IP', base.sseMaxConnectionsPerIp, 1, 10_000_000),
    sseMaxConnections: int('SSE_MAX_CONNECTIONS', base.sseMaxConnections, 1, 10_000_000),
    adminRateLimitPerMinute: int('ADMIN_RATE_LIMIT_PER_MINUTE', base.adminRateLimitPerMinute, 0, 10_000_000),
    sdkEventsRateLimitPerMinute: int('EVENTS_RATE_LIMIT_PER_IP_PER_MINUTE', base.sdkEventsRateLimitPerMinute, 0, 10_000_000),
    sdkEventsKeyRateLimitPerMinute: int('EVENTS_RATE_LIMIT_PER_KEY_PER_MINUTE', base.sdkEventsKeyRateLimitPerMinute, 0, 100_000_000),
    eventsMaxEventNames: int('EVENTS_MAX_EVENT_NAMES', base.eventsMaxEventNames, 1, 1_000_000),
    schedulerSweepIntervalMs: int('SCHEDULER_SWEEP_INTERVAL_MS', base.schedulerSweepIntervalMs, 100, 3_600_000),
    scheduledChangesMaxPending: int('SCHEDULED_CHANGES_MAX_PENDING', base.scheduledChangesMaxPending, 1, 10_000),
    releaseCheckIntervalMs: int('RELEASE_CHECK_INTERVAL_MS', base.releaseCheckIntervalMs, 100, 10_000),
    releaseMaxUnitsPerStage: int('RELEASE_MAX_UNITS_PER_STAGE', base.releaseMaxUnitsPerStage, 1000, 100_000_000),
    staleFlagDays: int('STALE_FLAG_DAYS', base.staleFlagDays, 1, 3650),
    staleCheckIntervalMs: int('STALE_CHECK_INTERVAL_MS', base.staleCheckIntervalMs, 1000, 24 * 3_600_000),
    eventsClientMaxAgeMs: int('EVENTS_CLIENT_MAX_AGE_MS', base.eventsClientMaxAgeMs, 60_000, 3650 * 24 * 3_600_000),
    authFailuresPerMinute: int('AUTH_FAILURES_PER_MINUTE', base.authFailuresPerMinute, 0, 1_000_000),
    keyCacheMaxAgeMs: int('KEY_CACHE_MAX_AGE_MS', base.keyCacheMaxAgeMs, 0, 7 * 24 * 3_600_000),
    dbConnectTimeoutMs: int('DB_CONNECT_TIMEOUT_MS', base.dbConnectTimeoutMs, 100, 60_000),
    dbStatementTimeoutMs: int('DB_STATEMENT_TIMEOUT_MS', base.dbStatementTimeoutMs, 500, 600_000),
    webhookAllowPrivate: bool('WEBHOOK_ALLOW_PRIVATE', str('WEBHOOK_ALLOW_PRIVATE'), base.webhookAllowPrivate),
    webhookDeliveryEnabled: bool('WEBHOOK_DELIVERY_ENABLED', str('WEBHOOK_DELIVERY_ENABLED'), base.webhookDeliveryEnabled),
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', base.webhookTimeoutMs, 100, 120_000),
    webhookRetrySchedule,
    webhookPollIntervalMs: int('WEBHOOK_POLL_INTERVAL_MS', base.webhookPollIntervalMs, 10, 60_000),
    webhookConcurrency: int('WEBHOOK_CONCURRENCY', base.webhookConcurrency, 1, 1000),
    webhookSecretRotationWindowMs: int('WEBHOOK_SECRET_ROTATION_WINDOW_MS', base.webhookSecretRotationWindowMs, 0, 30 * 24 * 3_600_000),
    webhookDeliveryRetentionDays: int('WEBHOOK_DELIVERY_RETENTION_DAYS', base.webhookDeliveryRetentionDays, 1, 3650),
    adminUiDir: str('ADMIN_UI_DIR') === undefined ? base.adminUiDir : path.resolve(cwd, str('ADMIN_UI_DIR')!),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * `TRUST_PROXY`: unset or `false` trusts no proxy; `true` trusts any (only behind a proxy
 * that overwrites X-Forwarded-For); a number trusts that many hops; otherwise a
 * comma-separated list of proxy addresses or CIDRs.
 */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string[] {
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 32) problems.push('TRUST_PROXY as a hop count must be between 1 and 32');
    return hops;
  }
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry)) {
      problems.push(`TRUST_PROXY entry "${entry}" must be an IP address, a CIDR, loopback, linklocal or uniquelocal`);
    }
  }
  return entries;
}
