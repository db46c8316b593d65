/** `/api/admin/api-keys`. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import { IdempotencyHeaders, Key, errorResponses } from '../flags/schemas.js';
import type { ApiKeyService } from './service.js';

const Kind = Type.Unsafe<'admin' | 'server' | 'client'>({ type: 'string', enum: ['admin', 'server', 'client'] });

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (app, { apiKeys }) => {
  // Key lists and fresh secrets must not linger in a browser's or a proxy's cache.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });

  app.get(
    '/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets)',
        querystring: Type.Object({ revoked: Type.Optional(Type.Boolean({ description: 'include revoked keys' })) }, { additionalProperties: false }),
      },
    },
    async (request) => ({ apiKeys: await apiKeys.list(request.query.revoked === true) }),
  );

  app.post(
    '/api-keys',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Create a key; the answer\'s `key` is the secret, shown this once',
        body: Type.Object(
          { kind: Kind, environment: Type.Optional(Key), name: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        headers: IdempotencyHeaders,
        response: errorResponses(400, 409),
      },
    },
    async (request, reply) => {
      const out = await apiKeys.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(out.status).send(out.body);
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke a key; its open SDK streams close',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }) }),
        response: errorResponses(404, 409),
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(requestContext(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
