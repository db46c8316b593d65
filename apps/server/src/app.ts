/**
 * `buildApp(config)` assembles the server: infrastructure plugins, then feature modules.
 * Tests call it and use `inject()` or a real port; `server.ts` only runs the process.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions, type RawRequestDefaultExpression } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from './config.js';
import { isDatabaseUnavailable } from './errors.js';
import { adminUi } from './plugins/admin-ui.js';
import { authPlugin, requireAdmin } from './plugins/auth.js';
import { dbPlugin } from './plugins/db.js';
import { docsPlugin } from './plugins/docs.js';
import { MAX_PARAM_LENGTH, clientErrorHandler, errorHandlerPlugin } from './plugins/error-handler.js';
import { parseJsonBody } from './plugins/json-body.js';
import { metricsPlugin } from './plugins/metrics.js';
import { redisPlugin } from './plugins/redis.js';
import { createValidatorCompiler } from './plugins/validation.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { ApiKeyService } from './modules/api-keys/service.js';
import { auditRoutes } from './modules/audit/routes.js';
import { Writer } from './modules/changes/writer.js';
import { environmentRoutes } from './modules/environments/routes.js';
import { EnvironmentService } from './modules/environments/service.js';
import { eventIngestRoutes } from './modules/events/ingest-routes.js';
import { eventReportRoutes } from './modules/events/report-routes.js';
import { EventService } from './modules/events/service.js';
import { configRoutes } from './modules/flags/config-routes.js';
import { flagRoutes } from './modules/flags/routes.js';
import { ErrorBody } from '@switchboard/api-contract';
import { FlagService } from './modules/flags/service.js';
import { healthRoutes } from './modules/health/routes.js';
import { sdkAccess } from './modules/sdk/access.js';
import { Delivery } from './modules/sdk/delivery.js';
import { RevisionWatcher } from './modules/sdk/revision-watcher.js';
import { sdkRoutes } from './modules/sdk/routes.js';
import { segmentRoutes } from './modules/segments/routes.js';
import { SegmentService } from './modules/segments/service.js';
import { seed } from './seed.js';

export type { Config } from './config.js';
export { defaultConfig, loadConfig } from './config.js';

export interface BuildOptions {
  /** Fastify logger option; defaults to pino at `config.logLevel` with secrets redacted. */
  logger?: FastifyServerOptions['logger'];
  /** Where the default logger writes (default stdout). */
  logStream?: { write(line: string): void };
  /** Use this PGlite instance instead of opening `config.dataDir` (e.g. one loaded from a prepared image); the app closes it. */
  pglite?: PGlite;
  /** Receives a generated admin key on first start (default: printed once to stdout). */
  onBootstrapAdminKey?: (secret: string) => void;
  /** Process-level metrics (event loop, memory); off by default for tests that build many apps. */
  defaultMetrics?: boolean;
  /** Identifies this instance in fan-out messages (default: random). */
  instanceId?: string;
}

export type App = FastifyInstance & { delivery: Delivery; watcher: RevisionWatcher };

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_ROUTES = /^\/(api\/sdk\/(flags|events)|health\/[a-z]+|metrics)(\?|$)/;
const PRUNE_INTERVAL_MS = 60 * 60_000;
const SECRET_QUERY = /(key|token|secret|password|auth)/i;

/** The URL with the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_QUERY.test(name)) params.set(name, '[redacted]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's own X-Request-Id when it is short and plain; never our request id. */
    clientRequestId: string | undefined;
  }
}

/** A client's X-Request-Id, kept only when it is 1-128 characters of [A-Za-z0-9._:-]. */
export function clientRequestIdOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const given = headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
}

function defaultLogger(config: Config, stream: BuildOptions['logStream']): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    ...(stream ? { stream } : {}),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization'], censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; hostname?: string }) => ({
        method: req.method,
        url: redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
      }),
    },
  };
}

function printBootstrapKey(secret: string): void {
  process.stdout.write(
    `\n  Switchboard generated an admin key. It is shown this once; store it now:\n\n    ${secret}\n\n` +
      '  Use it as "Authorization: Bearer <key>" on /api/admin. Set ADMIN_TOKEN to choose your own instead.\n\n',
  );
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? defaultLogger(config, options.logStream),
    bodyLimit: config.bodyLimit,
    // request.ip (rate limits, stream caps, auth throttling) reads X-Forwarded-For only from trusted proxies.
    // (Fastify takes a hop count too; its overloads' types leave the number out.)
    trustProxy: config.trustProxy as boolean | string[],
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Polled hot paths would drown the log (and cost throughput); errors still log.
      disableRequestLogging: (req: { url?: string }) => QUIET_ROUTES.test(req.url ?? ''),
    }),
    // Our id is always our own: a client's X-Request-Id could collide with or impersonate
    // another request's in logs and the audit. Theirs is kept apart (clientRequestId).
    genReqId: () => randomUUID(),
    childLoggerFactory: (logger, bindings, opts, raw: RawRequestDefaultExpression) => {
      const clientRequestId = clientRequestIdOf(raw.headers);
      return logger.child(clientRequestId === undefined ? bindings : { ...bindings, clientRequestId }, opts);
    },
    requestTimeout: 30_000,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node looks for expired connections only this often (30 s by default), which would
      // let a slow-header client hold its socket up to twice the timeout.
      connectionsCheckingInterval: Math.min(5_000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
    },
    clientErrorHandler,
    return503OnClosing: true,
    // Errors raised before routing (a URL with broken percent-encoding) get the same
    // JSON error shape as everything else instead of Fastify's default body.
    frameworkErrors: (error, request, reply) => {
      const body = { error: { code: 'VALIDATION_FAILED', message: error.message, field: 'url', requestId: request.id } };
      void reply.code(400 as never).type('application/json; charset=utf-8').send(body as never);
    },
    // Long parameters reach their schemas, which answer 400 naming them (past this the
    // not-found handler answers 400 for the URL) instead of the router's "No route".
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: anything else is 415, never a string handed to a handler.
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: string | Buffer) => parseJsonBody(request, body as Buffer));
  app.setValidatorCompiler(createValidatorCompiler({ storesBody: (url) => url.startsWith('/api/admin/') }));
  app.addSchema(ErrorBody);
  app.decorateRequest('clientRequestId', undefined);
  if (config.trustProxy === false) {
    // Behind an untrusted proxy every client has the proxy's address, so the per-IP stream
    // caps, event limits and the auth throttle would treat all users as one: say so, once.
    let warned = false;
    app.addHook('onRequest', async (request) => {
      if (warned || request.headers['x-forwarded-for'] === undefined) return;
      warned = true;
      request.log.warn(
        { remoteAddress: request.ip },
        'requests carry X-Forwarded-For but TRUST_PROXY is not set: per-IP limits count this proxy as one client; set TRUST_PROXY to the proxy\'s address',
      );
    });
  }
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    request.clientRequestId = clientRequestIdOf(request.headers);
    if (request.clientRequestId !== undefined) void reply.header('x-client-request-id', request.clientRequestId);
  });

  let closing = false;
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin, { defaultMetrics: options.defaultMetrics ?? false, token: config.metricsToken });
  await app.register(dbPlugin, {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    ...(options.pglite ? { pglite: options.pglite } : {}),
  });
  await app.register(redisPlugin, { url: config.redisUrl });
  await app.register(authPlugin, { adminToken: config.adminToken, failuresPerMinute: config.authFailuresPerMinute, keyCacheMaxAgeMs: config.keyCacheMaxAgeMs });
  await app.register(docsPlugin);
  const { database, redis, metrics, keys } = app;
  const delivery = new Delivery({
    db: database.db,
    redis,
    metrics,
    log: app.log,
    instanceId: options.instanceId ?? randomUUID(),
    hub: {
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      bufferCapBytes: config.sseBufferCapBytes,
      drainTimeoutMs: config.sseDrainTimeoutMs,
      maxConnectionsPerKey: config.sseMaxConnectionsPerKey,
      maxConnectionsPerIp: config.sseMaxConnectionsPerIp,
      maxConnections: config.sseMaxConnections,
    },
  });
  delivery.onKeyRevoked((keyId) => keys.forget(keyId));
  const writer = new Writer(database, delivery, app.log);
  const readyDb = () => database.readyDb();
  const flags = new FlagService(writer, readyDb);
  const segments = new SegmentService(writer, readyDb);
  const environments = new EnvironmentService(writer, delivery, readyDb);
  const apiKeys = new ApiKeyService(writer, delivery, keys, readyDb, config.adminToken !== undefined);
  const events = new EventService(readyDb, {
    retentionDays: config.metricsRetentionDays,
    maxConcurrentWrites: config.eventsMaxConcurrentWrites,
    maxEventNames: config.eventsMaxEventNames,
    flags: (environment) => delivery.views.get(environment)?.flags,
    metrics,
  });

  await app.register(healthRoutes, { database, redis, delivery, isClosing: () => closing });
  await app.register(
    async (admin) => {
      if (config.adminRateLimitPerMinute > 0) {
        await admin.register(rateLimit, { max: config.adminRateLimitPerMinute, timeWindow: 60_000 });
      }
      admin.addHook('onRequest', requireAdmin(keys));
      await admin.register(flagRoutes, { flags });
      await admin.register(configRoutes, { flags });
      await admin.register(segmentRoutes, { segments });
      await admin.register(environmentRoutes, { environments });
      await admin.register(apiKeyRoutes, { apiKeys });
      await admin.register(auditRoutes, { db: readyDb });
      await admin.register(eventReportRoutes, { events });
    },
    { prefix: '/api/admin' },
  );
  await app.register(
    async (sdk) => {
      await sdk.register(sdkAccess, { keys, corsOrigins: config.corsOrigins });
      await sdk.register(sdkRoutes, { delivery });
      await sdk.register(eventIngestRoutes, {
        events,
        rateLimitPerMinute: config.sdkEventsRateLimitPerMinute,
        keyRateLimitPerMinute: config.sdkEventsKeyRateLimitPerMinute,
        bodyLimit: config.eventsBodyLimit,
      });
    },
    { prefix: '/api/sdk' },
  );
  await app.register(adminUi, { dir: config.adminUiDir });

  // The safety net and the start-up path in one loop: migrate and seed once the
  // database answers, then compare revisions about once a second.
  let lastFailureLog = 0;
  const tick = async (): Promise<void> => {
    try {
      if (!database.ready) {
        let result: Awaited<ReturnType<typeof seed>> = {};
        await database.handle.migrate(async (db) => {
          result = await seed(db, config.adminToken !== undefined);
        });
        database.ready = true;
        app.log.info({ driver: database.driver }, 'database migrated');
        if (result.bootstrapAdminKey) (options.onBootstrapAdminKey ?? printBootstrapKey)(result.bootstrapAdminKey);
      }
      await delivery.check();
      for (const keyId of await keys.recheck()) delivery.hub.closeKey(keyId);
      database.markHealthy();
    } catch (err) {
      database.markUnhealthy(err);
      const now = Date.now();
      if (now - lastFailureLog > 10_000) {
        lastFailureLog = now;
        if (isDatabaseUnavailable(err)) app.log.warn({ err: { message: (err as Error).message } }, 'database unavailable; serving the last snapshot');
        else app.log.error({ err }, 'revision check failed');
      }
    }
  };
  const watcher = new RevisionWatcher(tick, config.revisionCheckIntervalMs);
  delivery.setCheckTrigger(() => watcher.trigger());

  // Aggregates past the retention go hourly (every instance tries; deleting twice is harmless).
  const prune = (): void => {
    if (!database.ready) return;
    events.prune().then(
      (rows) => rows > 0 && app.log.info({ rows }, 'pruned expired evaluation and event aggregates'),
      (err: unknown) => app.log.warn({ err: { message: (err as Error).message } }, 'pruning aggregates failed'),
    );
  };
  const firstPrune = setTimeout(prune, 60_000);
  const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
  firstPrune.unref();
  pruneTimer.unref();

  app.addHook('preClose', async () => {
    closing = true;
    clearTimeout(firstPrune);
    clearInterval(pruneTimer);
    // Streams end first: a revision check in progress may be waiting on an unreachable
    // database for seconds.
    delivery.close();
    await watcher.stop();
    // Node closes the connections idle when the close begins, and then waits for the
    // others. Those busy at that moment (SSE streams just ended, requests in flight) turn
    // idle afterwards and would be held open for the keep-alive timeout (72 s), past the
    // shutdown deadline: close them as they go idle.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
  });

  app.decorate('delivery', delivery);
  app.decorate('watcher', watcher);

  // Serve from the Redis snapshot cache right away if Postgres is slow to answer.
  if (redis) await delivery.loadFromCache(500);
  await watcher.runOnce();
  watcher.start();
  return app as unknown as App;
}
