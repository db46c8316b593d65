/** `/api/admin/flags/:key/environments/:env/scheduled-changes` and `/api/admin/scheduled-changes`. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ConfigParams,
  CreateScheduledChangeBody,
  IdempotencyHeaders,
  ScheduledChange,
  ScheduledChangeList,
  ScheduledChangeParams,
  ScheduledChangeQuery,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import type { ScheduledChangeService } from './service.js';

const ConfigListQuery = Type.Omit(ScheduledChangeQuery, ['flag', 'environment']);

export const scheduledChangeRoutes: FastifyPluginAsyncTypebox<{ scheduledChanges: ScheduledChangeService }> = async (
  app,
  { scheduledChanges },
) => {
  const path = '/flags/:key/environments/:env/scheduled-changes';

  app.post(
    path,
    {
      config: { access: { permission: 'edit', environment: { param: 'env' } } },
      schema: {
        tags: ['scheduled-changes'],
        summary:
          'Schedule a config change (any PATCH body) for runAt: an RFC 3339 instant, or { local, timeZone, offset? } ' +
          '(a time the clocks skip is refused; one they repeat needs offset)',
        params: ConfigParams,
        headers: IdempotencyHeaders,
        body: CreateScheduledChangeBody,
        response: { 201: ref(ScheduledChange), ...errorResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const idempotency = idempotencyOf(request, request.body);
      const out = await scheduledChanges.create(requestContext(request), key, env, request.body, idempotency);
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(out.status as 201).send(out.body as ScheduledChange);
    },
  );

  app.get(
    path,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['scheduled-changes'],
        summary: "The flag's scheduled changes in one environment, earliest runAt first",
        params: ConfigParams,
        querystring: ConfigListQuery,
        response: { 200: ref(ScheduledChangeList), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({
      scheduledChanges: await scheduledChanges.listForConfig(request.params.key, request.params.env, request.query),
    }),
  );

  app.delete(
    `${path}/:id`,
    {
      config: { access: { permission: 'edit', environment: { param: 'env' } } },
      schema: {
        tags: ['scheduled-changes'],
        summary: 'Cancel a pending scheduled change (409 once it has run or been cancelled)',
        params: ScheduledChangeParams,
        response: { 200: ref(ScheduledChange), ...errorResponses(400, 404, 409) },
      },
    },
    async (request) => scheduledChanges.cancel(requestContext(request), request.params.key, request.params.env, request.params.id),
  );

  app.get(
    '/scheduled-changes',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['scheduled-changes'],
        summary: 'Scheduled changes of every flag (filter by status, flag, environment), earliest runAt first',
        querystring: ScheduledChangeQuery,
        response: { 200: ref(ScheduledChangeList), ...errorResponses(400) },
      },
    },
    async (request) => ({ scheduledChanges: await scheduledChanges.list(request.query) }),
  );
};
