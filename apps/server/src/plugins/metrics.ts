/** Prometheus metrics on a registry owned by this app instance (two apps in one process share nothing). */
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { UnauthorizedError } from '../errors.js';
import { bearerToken } from '../modules/api-keys/secrets.js';

export type ApplyPath = 'local' | 'redis' | 'revision-check' | 'redis-cache' | 'startup';

export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly sseConnections = new Gauge({
    name: 'switchboard_sse_connections',
    help: 'Open SSE streams by key kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly sseDropped = new Counter({
    name: 'switchboard_sse_dropped_total',
    help: 'SSE streams closed by the server, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly sseRejected = new Counter({
    name: 'switchboard_sse_rejected_total',
    help: 'SSE streams refused with 429, by the cap reached: key, ip (per key and address), instance',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly snapshotRevision = new Gauge({
    name: 'switchboard_snapshot_revision',
    help: 'Revision of the in-memory snapshot per environment',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  readonly propagationLag = new Histogram({
    name: 'switchboard_propagation_lag_seconds',
    help: 'Time from commit on the writing instance to applying the change here, by fan-out path',
    labelNames: ['path'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly fanoutApplied = new Counter({
    name: 'switchboard_fanout_applied_total',
    help: 'Snapshot updates applied, by the path that delivered them',
    labelNames: ['path'] as const,
    registers: [this.registry],
  });
  readonly redisPublishFailures = new Counter({
    name: 'switchboard_redis_publish_failures_total',
    help: 'Changes that could not be published to Redis (the revision check delivers them)',
    registers: [this.registry],
  });

  readonly sdkEventsIngested = new Counter({
    name: 'switchboard_sdk_events_ingested_total',
    help: 'Evaluation summaries and tracked events accepted from SDKs',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly sdkEventsDropped = new Counter({
    name: 'switchboard_sdk_events_dropped_total',
    help: 'Evaluations and events not stored, by reason: sdk (the SDK reported dropping them; evaluations, events), unknown (a flag or variant the key cannot count; entries), invalid (refused entries), event_names (an event name past the environment limit)',
    labelNames: ['kind', 'reason'] as const,
    registers: [this.registry],
  });
  readonly sdkEventsRateLimited = new Counter({
    name: 'switchboard_sdk_events_rate_limited_total',
    help: 'Event batches refused with 429, by the limit that refused them: ip (per key and client IP) or key (per key)',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'switchboard_auth_failures_total',
    help: 'Failed authentications on admin and SDK routes, by reason',
    labelNames: ['reason', 'route_kind'] as const,
    registers: [this.registry],
  });
  readonly authThrottled = new Counter({
    name: 'switchboard_auth_throttled_total',
    help: 'Requests refused with 429 before any key lookup because their client kept failing authentication',
    labelNames: ['route_kind'] as const,
    registers: [this.registry],
  });

  constructor(defaultMetrics: boolean) {
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export interface MetricsPluginOptions {
  defaultMetrics: boolean;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

export const metricsPlugin = fp<MetricsPluginOptions>(
  async (app, opts) => {
    const metrics = new Metrics(opts.defaultMetrics);
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      metrics.httpDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    const expected = opts.token === undefined ? null : digest(opts.token);
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (expected) {
        const given = bearerToken(request.headers.authorization);
        // Compared as digests so the time taken says nothing about the token's length or prefix.
        if (!given || !timingSafeEqual(digest(given), expected))
          throw new UnauthorizedError('GET /metrics requires the METRICS_TOKEN (Authorization: Bearer <token>)');
      }
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'metrics' },
);
