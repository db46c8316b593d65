/**
 * `POST /api/sdk/events`: evaluation counts and tracked events from an SDK, for the
 * key's environment. Registered in the SDK scope (server or client key, CORS for client
 * keys) with its own per-key rate limit and body limit.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../flags/schemas.js';
import { EventsAccepted, EventsBody } from './schemas.js';
import type { EventService } from './service.js';

export interface EventIngestOptions {
  events: EventService;
  /** Requests per minute per API key on this instance; 0 = no limit. */
  rateLimitPerMinute: number;
  bodyLimit: number;
}

export const eventIngestRoutes: FastifyPluginAsyncTypebox<EventIngestOptions> = async (app, { events, rateLimitPerMinute, bodyLimit }) => {
  if (rateLimitPerMinute > 0) {
    // Route-level hook: runs after the scope's authentication, so the key is known.
    await app.register(rateLimit, {
      max: rateLimitPerMinute,
      timeWindow: 60_000,
      keyGenerator: (request) => request.principal?.keyId ?? request.ip,
    });
  }

  app.post(
    '/events',
    {
      bodyLimit,
      schema: {
        tags: ['sdk'],
        summary: 'Batched evaluation counts and track() events from an SDK (202 once stored)',
        body: EventsBody,
        response: { 202: EventsAccepted, ...errorResponses(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const stored = await events.ingest(request.principal!.environment!, request.body);
      return reply.code(202).send(stored);
    },
  );
};
