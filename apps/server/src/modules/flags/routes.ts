/** `/api/admin/flags` and `/api/admin/flags/:key`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { etag, expectedVersion } from '../changes/preconditions.js';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import {
  CreateFlagBody,
  Flag,
  FlagList,
  FlagListQuery,
  FlagParams,
  IdempotencyHeaders,
  IfMatchHeaders,
  NoBody,
  UpdateFlagBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { FlagService } from './service.js';

export const flagRoutes: FastifyPluginAsyncTypebox<{ flags: FlagService }> = async (app, { flags }) => {
  app.get(
    '/flags',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['flags'],
        summary:
          'List flags in key order; with ?environment= each carries a summary of its state there. With ?limit= one page ' +
          '(keyset cursor), searchable by q, tag and status',
        querystring: FlagListQuery,
        response: { 200: ref(FlagList), ...errorResponses(400, 404) },
      },
    },
    async (request) => flags.list(request.query),
  );

  app.post(
    '/flags',
    {
      config: { access: { permission: 'edit', environment: 'none' } },
      schema: {
        tags: ['flags'],
        summary: 'Create a flag; its config is created, disabled, in every environment',
        body: CreateFlagBody,
        headers: IdempotencyHeaders,
        response: { 201: ref(Flag), ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const out = await flags.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      // The service's answer, or the stored one it replays: the same shape, status 201.
      return reply.status(out.status as 201).send(out.body as Flag);
    },
  );

  app.get(
    '/flags/:key',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['flags'],
        summary: 'A flag with its config in every environment',
        params: FlagParams,
        response: { 200: ref(Flag), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const flag = await flags.get(request.params.key);
      void reply.header('etag', etag(flag.version));
      return flag;
    },
  );

  app.patch(
    '/flags/:key',
    {
      config: { access: { permission: 'edit', environment: 'all' } },
      schema: {
        tags: ['flags'],
        summary: 'Edit flag metadata, variants, client-side visibility, or archive it (If-Match: flag version)',
        params: FlagParams,
        headers: IfMatchHeaders,
        body: UpdateFlagBody,
        response: { 200: ref(Flag), ...errorResponses(400, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], request.body.version);
      const flag = await flags.update(requestContext(request), request.params.key, expected, request.body);
      void reply.header('etag', etag(flag.version));
      return flag;
    },
  );

  app.delete(
    '/flags/:key',
    {
      config: { access: { permission: 'edit', environment: 'all' } },
      schema: {
        tags: ['flags'],
        summary: 'Delete an archived flag (If-Match: flag version)',
        params: FlagParams,
        headers: IfMatchHeaders,
        response: { 204: NoBody('Deleted'), ...errorResponses(404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      await flags.remove(requestContext(request), request.params.key, expectedVersion(request.headers['if-match'], undefined));
      return reply.status(204).send();
    },
  );
};
