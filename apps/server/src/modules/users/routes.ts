/** `/api/admin/users`: people, their roles and scopes, and invitations. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InviteUserBody, UpdateUserBody, User, UserInvited, UserList, UserParams, errorResponses, ref } from '@switchboard/api-contract';
import { requestContext } from '../../http/request-context.js';
import type { UserService } from './service.js';

export const userRoutes: FastifyPluginAsyncTypebox<{ users: UserService; publicUrl: string | undefined }> = async (
  app,
  { users, publicUrl },
) => {
  app.get(
    '/users',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: { tags: ['users'], summary: 'People who can sign in, with their roles and scopes', response: { 200: ref(UserList) } },
    },
    async () => ({ users: await users.list() }),
  );

  app.post(
    '/users',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags: ['users'],
        summary: "Invite a person: the answer's invitationUrl (single use, 7 days) lets them set a password; OIDC sign-in works at once",
        body: InviteUserBody,
        response: { 201: ref(UserInvited), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      // Cache-Control: the link is a credential until used.
      void reply.header('cache-control', 'no-store');
      const base = publicUrl ?? `${request.protocol}://${request.host}`;
      return reply.status(201).send(await users.invite(requestContext(request), request.body, base));
    },
  );

  app.patch(
    '/users/:id',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags: ['users'],
        summary: "Change a person's name, role or environments, or disable them (their sessions end at once)",
        params: UserParams,
        body: UpdateUserBody,
        response: { 200: ref(User), ...errorResponses(400, 404) },
      },
    },
    async (request) => users.update(requestContext(request), request.params.id, request.body),
  );
};
