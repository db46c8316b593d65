/**
 * `POST /api/sdk/events`: evaluation counts and tracked events from an SDK, for the
 * key's environment. Registered in the SDK scope (server or client key, CORS for client
 * keys) with its own rate limits and body limit.
 *
 * Rate limits (per instance): per key and client IP first, so one client flooding a
 * shared public key uses up only its own share, then a higher ceiling per key over all
 * its IPs together. The per-IP check runs first, so what it refuses doesn't count against
 * the key's ceiling.
 *
 * Unit summaries (distinct units per variant of rolling-out flags) aren't stored here: once
 * a batch is accepted, they and its stored events go to `arms`, the release plans' input.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { RateLimitedError } from '../../errors.js';
import { clientAddress } from '../../http/client-address.js';
import { WindowLimiter } from './rate-limit.js';
import { EventsAccepted, EventsBody, errorResponses, ref } from '@switchboard/api-contract';
import type { EventService } from './service.js';
import type { TrackedEvent, UnitSummary } from '@switchboard/core';

/** Takes what release-plan guards compare: a batch's accepted unit summaries and stored events. */
export interface ArmsIngest {
  ingest(environment: string, units: UnitSummary[], events: TrackedEvent[]): Promise<void>;
}

export interface EventIngestOptions {
  events: EventService;
  /** Called after each accepted batch with units or events; its failures are logged, never answered. */
  arms?: ArmsIngest;
  /** Requests per minute per API key and client IP on this instance; 0 = no limit. */
  rateLimitPerMinute: number;
  /** Requests per minute per API key, all IPs together, on this instance; 0 = no limit. */
  keyRateLimitPerMinute: number;
  bodyLimit: number;
}

export const eventIngestRoutes: FastifyPluginAsyncTypebox<EventIngestOptions> = async (
  app,
  { events, arms, rateLimitPerMinute, keyRateLimitPerMinute, bodyLimit },
) => {
  const perIp = new WindowLimiter(rateLimitPerMinute, 60_000);
  const perKey = new WindowLimiter(keyRateLimitPerMinute, 60_000);
  const { metrics } = app;

  // Runs after the scope's authentication (a parent hook), so the key is known.
  app.addHook('onRequest', async (request) => {
    const keyId = request.principal?.keyId ?? '';
    const ipWait = perIp.take(`${keyId} ${clientAddress(request.ip)}`);
    if (ipWait > 0) {
      metrics.sdkEventsRateLimited.inc({ limit: 'ip' });
      throw new RateLimitedError('Too many event batches from this address for this key; retry later', ipWait);
    }
    const keyWait = perKey.take(keyId);
    if (keyWait > 0) {
      metrics.sdkEventsRateLimited.inc({ limit: 'key' });
      throw new RateLimitedError('Too many event batches for this key; retry later', keyWait);
    }
  });

  app.post(
    '/events',
    {
      bodyLimit,
      schema: {
        tags: ['sdk'],
        summary: 'Batched evaluation counts and track() events from an SDK (202 once stored; refused entries are listed in `rejected`)',
        body: EventsBody,
        response: { 202: ref(EventsAccepted), ...errorResponses(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const environment = principal.environment!;
      const stored = await events.ingest({ environment, clientSideOnly: principal.kind !== 'server' }, request.body);
      if (arms !== undefined && (stored.units.length > 0 || stored.events.length > 0)) {
        // The batch is stored: a failure here costs the release plans this batch, never the SDK's upload.
        try {
          await arms.ingest(environment, stored.units, stored.events);
        } catch (err) {
          request.log.error({ err, environment }, 'release arms: could not take an events batch');
        }
      }
      return reply.code(202).send(stored.answer);
    },
  );
};
