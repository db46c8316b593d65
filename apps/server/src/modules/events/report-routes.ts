/**
 * Admin reads of what SDKs reported, per flag and environment:
 * `GET /api/admin/flags/:key/environments/:env/metrics` (evaluations by variant over time)
 * and `…/events` (tracked events by name and variant). The flag need not exist (any key
 * an application asked for, mistyped ones included, has counts); the environment must.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConfigParams, EvaluationMetrics, EventMetrics, EventsQuery, MetricsQuery, errorResponses, ref } from '@switchboard/api-contract';
import type { EventService } from './service.js';

export const eventReportRoutes: FastifyPluginAsyncTypebox<{ events: EventService }> = async (app, { events }) => {
  const path = '/flags/:key/environments/:env';

  app.get(
    `${path}/metrics`,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['metrics'],
        summary: 'Evaluations of the flag by variant over time (`step`-minute points; at most 31 days and 2000 points)',
        params: ConfigParams,
        querystring: MetricsQuery,
        response: { 200: ref(EvaluationMetrics), ...errorResponses(400, 404) },
      },
    },
    async (request) => events.evaluations(request.params.key, request.params.env, request.query),
  );

  app.get(
    `${path}/events`,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['metrics'],
        summary: 'Tracked events by name and by the variant of this flag their users had (count, sum, mean, stddev; at most 31 days)',
        params: ConfigParams,
        querystring: EventsQuery,
        response: { 200: ref(EventMetrics), ...errorResponses(400, 404) },
      },
    },
    async (request) => events.events(request.params.key, request.params.env, request.query),
  );
};
