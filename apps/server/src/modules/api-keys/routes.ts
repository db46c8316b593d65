/** `/api/admin/api-keys`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import {
  ApiKeyCreated,
  ApiKeyList,
  ApiKeyListQuery,
  ApiKeyParams,
  CreateApiKeyBody,
  IdempotencyHeaders,
  NoBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { ApiKeyService } from './service.js';

export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ apiKeys: ApiKeyService }> = async (app, { apiKeys }) => {
  // Key lists and fresh secrets must not linger in a browser's or a proxy's cache.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });

  app.get(
    '/api-keys',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys (never their secrets)',
        querystring: ApiKeyListQuery,
        response: { 200: ref(ApiKeyList) },
      },
    },
    async (request) => ({ apiKeys: await apiKeys.list(request.query.revoked === true) }),
  );

  app.post(
    '/api-keys',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags: ['api-keys'],
        summary: "Create a key; the answer's `key` is the secret, shown this once",
        body: CreateApiKeyBody,
        headers: IdempotencyHeaders,
        response: { 201: ref(ApiKeyCreated), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const out = await apiKeys.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      // The service's answer, or the stored one it replays: the same shape, status 201.
      return reply.status(out.status as 201).send(out.body as ApiKeyCreated);
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke a key; its open SDK streams close',
        params: ApiKeyParams,
        response: { 204: NoBody('Revoked'), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(requestContext(request), request.params.id);
      return reply.status(204).send();
    },
  );
};
