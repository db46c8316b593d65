/** `/api/admin/change-requests`: held config writes, their review and their application. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ChangeRequest,
  ChangeRequestList,
  ChangeRequestParams,
  ChangeRequestQuery,
  IfMatchHeaders,
  UpdateChangeRequestBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import { requestContext } from '../../http/request-context.js';
import { etag, expectedVersion } from '../changes/preconditions.js';
import type { ChangeRequestService } from './service.js';

export const changeRequestRoutes: FastifyPluginAsyncTypebox<{ changeRequests: ChangeRequestService }> = async (app, { changeRequests }) => {
  app.get(
    '/change-requests',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['change-requests'],
        summary: 'Change requests, newest first, by status, flag or environment',
        querystring: ChangeRequestQuery,
        response: { 200: ref(ChangeRequestList), ...errorResponses(400) },
      },
    },
    async (request) => ({ changeRequests: await changeRequests.list(request.query) }),
  );

  app.get(
    '/change-requests/:id',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['change-requests'],
        summary: 'One change request: the patch, its base version, author, reason, approvals and status (ETag: its revision)',
        params: ChangeRequestParams,
        response: { 200: ref(ChangeRequest), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const view = await changeRequests.get(Number(request.params.id));
      void reply.header('etag', etag(view.revision));
      return view;
    },
  );

  app.patch(
    '/change-requests/:id',
    {
      config: { access: { permission: 'edit', environment: 'none' } },
      schema: {
        tags: ['change-requests'],
        summary: "The author's edit: a new patch (reason by X-Change-Reason); approvals of the earlier content stop counting",
        params: ChangeRequestParams,
        headers: IfMatchHeaders,
        body: UpdateChangeRequestBody,
        response: { 200: ref(ChangeRequest), ...errorResponses(400, 403, 404, 409, 412, 428) },
      },
    },
    async (request, reply) => {
      const revision = expectedVersion(request.headers['if-match'], undefined);
      const view = await changeRequests.update(requestContext(request), Number(request.params.id), revision, request.body);
      void reply.header('etag', etag(view.revision));
      return view;
    },
  );

  const actions = {
    approve: 'Approve the request as it stands (not its author); enough approvals make it approved',
    reject: 'Reject it (not its author: the author cancels)',
    apply: 'Write an approved request; its base version must still be current (412 and conflicted otherwise)',
    cancel: 'Withdraw it (its author, or an admin)',
  } as const;
  for (const [action, summary] of Object.entries(actions) as [keyof typeof actions, string][]) {
    app.post(
      `/change-requests/:id/${action}`,
      {
        config: { access: { permission: 'edit', environment: 'none' } },
        schema: {
          tags: ['change-requests'],
          summary: `${summary} (If-Match: its revision)`,
          params: ChangeRequestParams,
          headers: IfMatchHeaders,
          response: { 200: ref(ChangeRequest), ...errorResponses(400, 403, 404, 409, 412, 428) },
        },
      },
      async (request, reply) => {
        const revision = expectedVersion(request.headers['if-match'], undefined);
        const view = await changeRequests[action](requestContext(request), Number(request.params.id), revision);
        void reply.header('etag', etag(view.revision));
        return view;
      },
    );
  }
};
