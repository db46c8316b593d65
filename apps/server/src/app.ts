/**
 * `buildApp(config)` assembles the server: infrastructure plugins, then feature modules,
 * then the lifecycle (database set-up, revision check, pruning, shutdown order). Each
 * plugin is named and declares what it needs, so a misordered list fails at start.
 * Tests call it and use `inject()` or a real port; `server.ts` only runs the process.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from './config.js';
import { fastifyOptions, type LoggingOptions } from './http/fastify-options.js';
import { adminUi } from './plugins/admin-ui.js';
import { aggregatePruningPlugin } from './plugins/aggregate-pruning.js';
import { compressionPlugin } from './plugins/compression.js';
import { authPlugin, requireAdmin } from './plugins/auth.js';
import { accessPlugin } from './plugins/access.js';
import { dbPlugin } from './plugins/db.js';
import { deliveryPlugin } from './plugins/delivery.js';
import { docsPlugin } from './plugins/docs.js';
import { errorHandlerPlugin } from './plugins/error-handler.js';
import { eventsPlugin } from './plugins/events.js';
import { metricsPlugin } from './plugins/metrics.js';
import { migrationsPlugin } from './plugins/migrations.js';
import { redisPlugin } from './plugins/redis.js';
import { requestConventionsPlugin } from './plugins/request-conventions.js';
import { revisionCheckPlugin } from './plugins/revision-check.js';
import { schedulerPlugin } from './plugins/scheduler.js';
import { releaseRunnerPlugin } from './plugins/release-runner.js';
import { releasePlanRoutes } from './modules/releases/routes.js';
import { shutdownPlugin } from './plugins/shutdown.js';
import { staleCheckPlugin } from './plugins/stale-check.js';
import { webhooksPlugin } from './plugins/webhooks.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { authRoutes } from './modules/users/auth-routes.js';
import { OidcSignIn } from './modules/users/oidc.js';
import { userRoutes } from './modules/users/routes.js';
import { UserAccounts, UserService } from './modules/users/service.js';
import { ApiKeyService } from './modules/api-keys/service.js';
import { auditRoutes } from './modules/audit/routes.js';
import { ChangeWriter } from './modules/changes/change-writer.js';
import { changeRequestRoutes } from './modules/change-requests/routes.js';
import { ChangeRequestService } from './modules/change-requests/service.js';
import { environmentRoutes } from './modules/environments/routes.js';
import { EnvironmentService } from './modules/environments/service.js';
import { explainRoutes } from './modules/explain/routes.js';
import { ExplainService } from './modules/explain/service.js';
import { flagsAsCodeRoutes } from './modules/flags-as-code/routes.js';
import { FlagsAsCodeService } from './modules/flags-as-code/service.js';
import { eventIngestRoutes } from './modules/events/ingest-routes.js';
import { eventReportRoutes } from './modules/events/report-routes.js';
import { configRoutes } from './modules/flags/config-routes.js';
import { flagRoutes } from './modules/flags/routes.js';
import { ErrorBody } from '@switchboard/api-contract';
import { FlagService } from './modules/flags/service.js';
import { healthRoutes } from './modules/health/routes.js';
import { sdkAccess } from './modules/sdk/access.js';
import { sdkRoutes } from './modules/sdk/routes.js';
import { sdkEvaluateRoute } from './modules/sdk/evaluate-route.js';
import { ofrepAccess, ofrepRoutes } from './modules/ofrep/routes.js';
import { scheduledChangeRoutes } from './modules/scheduled-changes/routes.js';
import { segmentRoutes } from './modules/segments/routes.js';
import { staleFlagRoutes } from './modules/stale-flags/routes.js';
import { SegmentService } from './modules/segments/service.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { WebhookService } from './modules/webhooks/service.js';

// Declaration files keep side-effect imports only: these carry the `delivery`, `watcher` and `releases`
// decorations into the published types, for code that builds the app from the package.
import './plugins/delivery.js';
import './plugins/revision-check.js';
import './plugins/release-runner.js';
import './plugins/stale-check.js';

export type { Config } from './config.js';
export { defaultConfig, loadConfig } from './config.js';
export { clientRequestIdOf, redactUrl } from './http/fastify-options.js';

export interface BuildOptions extends LoggingOptions {
  /** Use this PGlite instance instead of opening `config.dataDir` (e.g. one loaded from a prepared image); the app closes it. */
  pglite?: PGlite;
  /** Receives a generated admin key on first start (default: printed once to stdout). */
  onBootstrapAdminKey?: (secret: string) => void;
  /** Process-level metrics (event loop, memory); off by default for tests that build many apps. */
  defaultMetrics?: boolean;
  /** Identifies this instance in fan-out messages (default: random). */
  instanceId?: string;
}

/** The built server; what its plugins decorate it with (`database`, `delivery`, `watcher`…) is declared by each plugin. */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** Every admin service writes through one ChangeWriter; all routes need an admin key. */
const adminApi: FastifyPluginAsync<{ config: Config }> = async (admin, { config }) => {
  const { database, delivery, keys, events } = admin;
  if (config.adminRateLimitPerMinute > 0) {
    await admin.register(rateLimit, { max: config.adminRateLimitPerMinute, timeWindow: 60_000 });
  }
  admin.addHook('onRequest', requireAdmin(keys, admin.sessions));
  // Before any route: every admin route must declare its access (plugins/access.ts).
  await admin.register(accessPlugin);
  const wakeWebhooks = () => admin.webhooks.wake();
  const writer = new ChangeWriter(database, delivery, admin.log, wakeWebhooks);
  const readyDb = () => database.readyDb();
  const flags = new FlagService(writer, readyDb, admin.staleFlags);
  await admin.register(flagRoutes, { flags });
  await admin.register(configRoutes, { flags });
  await admin.register(segmentRoutes, { segments: new SegmentService(writer, readyDb) });
  await admin.register(environmentRoutes, { environments: new EnvironmentService(writer, delivery, readyDb) });
  await admin.register(apiKeyRoutes, { apiKeys: new ApiKeyService(writer, delivery, keys, readyDb, config.adminToken !== undefined) });
  await admin.register(auditRoutes, { db: readyDb });
  await admin.register(eventReportRoutes, { events });
  const webhookSettings = { allowPrivate: config.webhookAllowPrivate, rotationWindowMs: config.webhookSecretRotationWindowMs };
  await admin.register(webhookRoutes, { webhooks: new WebhookService(writer, readyDb, webhookSettings, wakeWebhooks) });
  await admin.register(scheduledChangeRoutes, { scheduledChanges: admin.scheduledChanges });
  await admin.register(releasePlanRoutes, { releases: admin.releases });
  await admin.register(explainRoutes, { explain: new ExplainService(delivery, readyDb) });
  await admin.register(flagsAsCodeRoutes, { flagsAsCode: new FlagsAsCodeService(writer, readyDb) });
  await admin.register(userRoutes, { users: new UserService(writer, readyDb), publicUrl: config.publicUrl });
  await admin.register(changeRequestRoutes, { changeRequests: new ChangeRequestService(writer, readyDb) });
  await admin.register(staleFlagRoutes, { staleFlags: admin.staleFlags, writer });
};

/** Snapshots, streams and event ingestion for SDK keys; never touches Postgres on a read. */
const sdkApi: FastifyPluginAsync<{ config: Config }> = async (sdk, { config }) => {
  await sdk.register(sdkAccess, { keys: sdk.keys, corsOrigins: config.corsOrigins });
  await sdk.register(sdkRoutes, { delivery: sdk.delivery, drainTimeoutMs: config.sseDrainTimeoutMs });
  // Shares OFREP's bounds: both evaluate a caller's context on the server.
  await sdk.register(sdkEvaluateRoute, {
    delivery: sdk.delivery,
    rateLimitPerMinute: config.ofrepRateLimitPerMinute,
    bodyLimit: config.ofrepBodyLimit,
  });
  await sdk.register(eventIngestRoutes, {
    events: sdk.events,
    arms: sdk.releases.arms,
    rateLimitPerMinute: config.sdkEventsRateLimitPerMinute,
    keyRateLimitPerMinute: config.sdkEventsKeyRateLimitPerMinute,
    bodyLimit: config.eventsBodyLimit,
  });
};

/** OFREP evaluation for SDK keys (OpenFeature's remote providers); from the same in-memory snapshots. */
const ofrepApi: FastifyPluginAsync<{ config: Config }> = async (ofrep, { config }) => {
  await ofrep.register(ofrepAccess, { keys: ofrep.keys, corsOrigins: config.corsOrigins });
  await ofrep.register(ofrepRoutes, {
    delivery: ofrep.delivery,
    rateLimitPerMinute: config.ofrepRateLimitPerMinute,
    bodyLimit: config.ofrepBodyLimit,
  });
};

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const app = Fastify(fastifyOptions(config, options)).withTypeProvider<TypeBoxTypeProvider>();
  await app.register(requestConventionsPlugin, { warnUntrustedProxy: config.trustProxy === false });
  app.addSchema(ErrorBody);

  // Infrastructure.
  await app.register(errorHandlerPlugin);
  await app.register(compressionPlugin);
  await app.register(metricsPlugin, { defaultMetrics: options.defaultMetrics ?? false, token: config.metricsToken });
  await app.register(dbPlugin, {
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    ...(options.pglite ? { pglite: options.pglite } : {}),
  });
  await app.register(redisPlugin, { url: config.redisUrl });
  await app.register(authPlugin, {
    adminToken: config.adminToken,
    failuresPerMinute: config.authFailuresPerMinute,
    keyCacheMaxAgeMs: config.keyCacheMaxAgeMs,
    sessionTtlMs: config.sessionTtlMs,
  });
  await app.register(docsPlugin);
  await app.register(deliveryPlugin, {
    instanceId: options.instanceId,
    hub: {
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      bufferCapBytes: config.sseBufferCapBytes,
      drainTimeoutMs: config.sseDrainTimeoutMs,
      maxConnectionsPerKey: config.sseMaxConnectionsPerKey,
      maxConnectionsPerIp: config.sseMaxConnectionsPerIp,
      maxConnections: config.sseMaxConnections,
    },
  });
  await app.register(eventsPlugin, {
    retentionDays: config.metricsRetentionDays,
    maxConcurrentWrites: config.eventsMaxConcurrentWrites,
    maxEventNames: config.eventsMaxEventNames,
    clientMaxAgeMs: config.eventsClientMaxAgeMs,
  });
  await app.register(schedulerPlugin, {
    sweepIntervalMs: config.schedulerSweepIntervalMs,
    maxPendingPerConfig: config.scheduledChangesMaxPending,
  });

  await app.register(webhooksPlugin, {
    enabled: config.webhookDeliveryEnabled,
    pollIntervalMs: config.webhookPollIntervalMs,
    concurrency: config.webhookConcurrency,
    timeoutMs: config.webhookTimeoutMs,
    retrySchedule: config.webhookRetrySchedule,
    allowPrivate: config.webhookAllowPrivate,
    retentionDays: config.webhookDeliveryRetentionDays,
  });

  await app.register(staleCheckPlugin, { defaultDays: config.staleFlagDays, intervalMs: config.staleCheckIntervalMs });

  await app.register(releaseRunnerPlugin, {
    checkIntervalMs: config.releaseCheckIntervalMs,
    maxUnitsPerStage: config.releaseMaxUnitsPerStage,
  });

  // Feature modules.
  await app.register(healthRoutes, { database: app.database, redis: app.redis, delivery: app.delivery, isClosing: () => app.closing });
  await app.register(adminApi, { prefix: '/api/admin', config });
  const readyDb = () => app.database.readyDb();
  await app.register(authRoutes, {
    prefix: '/api/auth',
    users: new UserAccounts(readyDb),
    sessions: app.sessions,
    oidc: config.oidc ? new OidcSignIn(config.oidc, readyDb) : null,
    publicUrl: config.publicUrl,
  });
  await app.register(sdkApi, { prefix: '/api/sdk', config });
  await app.register(ofrepApi, { prefix: '/ofrep/v1', config });
  await app.register(adminUi, { dir: config.adminUiDir });

  // Lifecycle. Registering the revision check runs its first round (cached snapshots,
  // then migrations and snapshots from the database if it answers) before anything listens.
  await app.register(migrationsPlugin, {
    adminTokenConfigured: config.adminToken !== undefined,
    onBootstrapAdminKey: options.onBootstrapAdminKey,
  });
  await app.register(aggregatePruningPlugin);
  await app.register(revisionCheckPlugin, { intervalMs: config.revisionCheckIntervalMs });
  await app.register(shutdownPlugin);
  return app;
}
