/** `/api/admin/environments`. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import { IdempotencyHeaders, Key, errorResponses } from '../flags/schemas.js';
import type { EnvironmentService } from './service.js';

const Params = Type.Object({ env: Key });
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const environmentRoutes: FastifyPluginAsyncTypebox<{ environments: EnvironmentService }> = async (app, { environments }) => {
  app.get('/environments', { schema: { tags: ['environments'], summary: 'List environments with their revisions' } }, async () => ({
    environments: await environments.list(),
  }));

  app.post(
    '/environments',
    {
      schema: {
        tags: ['environments'],
        summary: 'Create an environment; every flag gets a disabled config in it',
        body: Type.Object({ key: Key, name: Type.Optional(Name) }, { additionalProperties: false }),
        headers: IdempotencyHeaders,
        response: errorResponses(400, 409),
      },
    },
    async (request, reply) => {
      const out = await environments.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(out.status).send(out.body);
    },
  );

  app.get('/environments/:env', { schema: { tags: ['environments'], summary: 'One environment', params: Params } }, async (request) =>
    environments.get(request.params.env),
  );

  app.patch(
    '/environments/:env',
    {
      schema: {
        tags: ['environments'],
        summary: 'Rename an environment (its key never changes)',
        params: Params,
        body: Type.Object({ name: Name }, { additionalProperties: false }),
        response: errorResponses(400, 404),
      },
    },
    async (request) => environments.rename(requestContext(request), request.params.env, request.body.name),
  );

  app.delete(
    '/environments/:env',
    { schema: { tags: ['environments'], summary: 'Delete an environment with no active keys', params: Params, response: errorResponses(404, 409) } },
    async (request, reply) => {
      await environments.remove(requestContext(request), request.params.env);
      return reply.status(204).send();
    },
  );
};
