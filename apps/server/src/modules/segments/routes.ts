/** `/api/admin/segments`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { etag, expectedVersion } from '../changes/preconditions.js';
import { idempotencyOf, requestContext } from '../../http/request-context.js';
import {
  CreateSegmentBody,
  IdempotencyHeaders,
  IfMatchHeaders,
  NoBody,
  Segment,
  SegmentList,
  SegmentParams,
  UpdateSegmentBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { SegmentService } from './service.js';

export const segmentRoutes: FastifyPluginAsyncTypebox<{ segments: SegmentService }> = async (app, { segments }) => {
  app.get(
    '/segments',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: { tags: ['segments'], summary: 'List segments', response: { 200: ref(SegmentList) } },
    },
    async () => ({
      segments: await segments.list(),
    }),
  );

  app.post(
    '/segments',
    {
      config: { access: { permission: 'edit', environment: 'none' } },
      schema: {
        tags: ['segments'],
        summary: 'Create a segment (shared by every environment)',
        body: CreateSegmentBody,
        headers: IdempotencyHeaders,
        response: { 201: ref(Segment), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const out = await segments.create(requestContext(request), request.body, idempotencyOf(request, request.body));
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      // The service's answer, or the stored one it replays: the same shape, status 201.
      return reply.status(out.status as 201).send(out.body as Segment);
    },
  );

  app.get(
    '/segments/:key',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['segments'],
        summary: 'A segment (ETag: its version)',
        params: SegmentParams,
        response: { 200: ref(Segment), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const segment = await segments.get(request.params.key);
      void reply.header('etag', etag(segment.version));
      return segment;
    },
  );

  app.patch(
    '/segments/:key',
    {
      config: { access: { permission: 'edit', environment: 'all' } },
      schema: {
        tags: ['segments'],
        summary: 'Edit a segment (If-Match: "<version>")',
        params: SegmentParams,
        headers: IfMatchHeaders,
        body: UpdateSegmentBody,
        response: { 200: ref(Segment), ...errorResponses(400, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], request.body.version);
      const segment = await segments.update(requestContext(request), request.params.key, expected, request.body);
      void reply.header('etag', etag(segment.version));
      return segment;
    },
  );

  app.delete(
    '/segments/:key',
    {
      config: { access: { permission: 'edit', environment: 'all' } },
      schema: {
        tags: ['segments'],
        summary: 'Delete a segment nothing refers to (If-Match: "<version>")',
        params: SegmentParams,
        headers: IfMatchHeaders,
        response: { 204: NoBody('Deleted'), ...errorResponses(404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      await segments.remove(requestContext(request), request.params.key, expectedVersion(request.headers['if-match'], undefined));
      return reply.status(204).send();
    },
  );
};
