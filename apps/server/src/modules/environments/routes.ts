/** `/api/admin/environments`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import {
  CreateEnvironmentBody,
  Environment,
  EnvironmentList,
  EnvironmentParams,
  IdempotencyHeaders,
  NoBody,
  UpdateEnvironmentBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { EnvironmentService } from './service.js';

export const environmentRoutes: FastifyPluginAsyncTypebox<{ environments: EnvironmentService }> = async (app, { environments }) => {
  app.get(
    '/environments',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: { tags: ['environments'], summary: 'List environments with their revisions', response: { 200: ref(EnvironmentList) } },
    },
    async () => ({
      environments: await environments.list(),
    }),
  );

  app.post(
    '/environments',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags: ['environments'],
        summary: 'Create an environment; every flag gets a disabled config in it',
        body: CreateEnvironmentBody,
        headers: IdempotencyHeaders,
        response: { 201: ref(Environment), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const out = await environments.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      // The service's answer, or the stored one it replays: the same shape, status 201.
      return reply.status(out.status as 201).send(out.body as Environment);
    },
  );

  app.get(
    '/environments/:env',
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['environments'],
        summary: 'One environment',
        params: EnvironmentParams,
        response: { 200: ref(Environment), ...errorResponses(400, 404) },
      },
    },
    async (request) => environments.get(request.params.env),
  );

  app.patch(
    '/environments/:env',
    {
      config: { access: { permission: 'admin', environment: { param: 'env' } } },
      schema: {
        tags: ['environments'],
        summary: 'Rename an environment or change its settings (protected, requiredApprovals, requireReason); its key never changes',
        params: EnvironmentParams,
        body: UpdateEnvironmentBody,
        response: { 200: ref(Environment), ...errorResponses(400, 404) },
      },
    },
    async (request) => environments.update(requestContext(request), request.params.env, request.body),
  );

  app.delete(
    '/environments/:env',
    {
      config: { access: { permission: 'admin', environment: { param: 'env' } } },
      schema: {
        tags: ['environments'],
        summary: 'Delete an environment with no active keys',
        params: EnvironmentParams,
        response: { 204: NoBody('Deleted'), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await environments.remove(requestContext(request), request.params.env);
      return reply.status(204).send();
    },
  );
};
