/**
 * `/api/auth`: signing in to the admin UI (password, invitation, OIDC), who is signed in,
 * and signing out. The session cookie is HttpOnly and SameSite=Lax; see sessions.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AcceptInvitationBody, NoBody, Session, SignInBody, SignInMethods, errorResponses, ref } from '@switchboard/api-contract';
import { UnauthorizedError } from '../../errors.js';
import { requireAdmin } from '../../plugins/auth.js';
import type { OidcSignIn } from './oidc.js';
import type { UserAccounts } from './service.js';
import { SESSION_COOKIE, cookieValue, type SessionStore } from './sessions.js';

const OIDC_STATE_COOKIE = 'sb_oidc_state';

export interface AuthRouteOptions {
  users: UserAccounts;
  sessions: SessionStore;
  oidc: OidcSignIn | null;
  publicUrl: string | undefined;
}

function cookie(request: FastifyRequest, name: string, value: string, maxAgeSeconds: number, path = '/'): string {
  // Secure whenever the browser reached us over https (directly or through a trusted proxy).
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${name}=${value}; Path=${path}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

async function startSession(request: FastifyRequest, reply: FastifyReply, sessions: SessionStore, userId: string): Promise<string> {
  const session = await sessions.create(userId);
  void reply.header(
    'set-cookie',
    cookie(request, SESSION_COOKIE, session.token, Math.ceil((session.expiresAt.getTime() - Date.now()) / 1000)),
  );
  return session.csrfToken;
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRouteOptions> = async (app, { users, sessions, oidc, publicUrl }) => {
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  const base = (request: FastifyRequest) => publicUrl ?? `${request.protocol}://${request.host}`;

  app.get(
    '/methods',
    { schema: { tags: ['auth'], summary: 'How people can sign in here', response: { 200: ref(SignInMethods) } } },
    async () => ({ password: true, oidc: oidc !== null }),
  );

  app.get(
    '/session',
    {
      onRequest: requireAdmin(app.keys, app.sessions),
      schema: {
        tags: ['auth'],
        summary: 'Who is calling: a signed-in person or an admin key',
        response: { 200: ref(Session), ...errorResponses(401) },
      },
    },
    async (request) => {
      const p = request.principal!;
      return { name: p.name, userId: p.userId, role: p.role, environments: p.environments, csrfToken: request.csrfToken };
    },
  );

  app.post(
    '/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets the session cookie',
        body: SignInBody,
        response: { 200: ref(Session), ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      app.authFailures.check(request, 'admin');
      const userId = await users.checkPassword(request.body.email, request.body.password);
      if (!userId) {
        app.authFailures.failed(request, 'admin', 'unknown', `${request.body.email}\n${request.body.password}`);
        throw new UnauthorizedError('The email or password is wrong');
      }
      const csrfToken = await startSession(request, reply, sessions, userId);
      const found = await sessionOf(sessions, reply);
      return { ...found, csrfToken };
    },
  );

  app.post(
    '/invitation',
    {
      schema: {
        tags: ['auth'],
        summary: 'Use an invitation: set a password (and name); signs in',
        body: AcceptInvitationBody,
        response: { 200: ref(Session), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      app.authFailures.check(request, 'admin');
      let userId: string;
      try {
        userId = await users.acceptInvitation(request.body.token, request.body.password, request.body.name);
      } catch (err) {
        app.authFailures.failed(request, 'admin', 'unknown', request.body.token);
        throw err;
      }
      const csrfToken = await startSession(request, reply, sessions, userId);
      return { ...(await sessionOf(sessions, reply)), csrfToken };
    },
  );

  app.post(
    '/sign-out',
    { schema: { tags: ['auth'], summary: 'End the session and clear its cookie', response: { 204: NoBody('Signed out') } } },
    async (request, reply) => {
      const token = cookieValue(request.headers.cookie, SESSION_COOKIE);
      if (token) await sessions.delete(token);
      void reply.header('set-cookie', cookie(request, SESSION_COOKIE, '', 0));
      return reply.status(204).send();
    },
  );

  app.get(
    '/oidc/start',
    {
      schema: {
        tags: ['auth'],
        summary: "Redirects to the identity provider's sign-in (404 when none is configured)",
        response: errorResponses(404, 503),
      },
    },
    async (request, reply) => {
      if (!oidc)
        return reply
          .status(404)
          .send({ error: { code: 'NOT_FOUND', message: 'No identity provider is configured (OIDC_ISSUER)', requestId: request.id } });
      const { url, state } = await oidc.start(`${base(request)}/api/auth/oidc/callback`);
      void reply.header('set-cookie', cookie(request, OIDC_STATE_COOKIE, state, 600, '/api/auth/oidc'));
      return reply.redirect(url, 303);
    },
  );

  app.get(
    '/oidc/callback',
    {
      schema: {
        tags: ['auth'],
        summary: 'Where the identity provider sends the browser back; signs in and redirects to the admin UI',
        response: errorResponses(400, 401, 403, 404, 503),
      },
    },
    async (request, reply) => {
      if (!oidc)
        return reply
          .status(404)
          .send({ error: { code: 'NOT_FOUND', message: 'No identity provider is configured (OIDC_ISSUER)', requestId: request.id } });
      const state = cookieValue(request.headers.cookie, OIDC_STATE_COOKIE);
      // The state must come back to the browser that started the sign-in (no signing in someone else's browser).
      if (!state) throw new UnauthorizedError('This sign-in was not started in this browser; sign in again');
      const callbackUrl = new URL(request.url, base(request));
      const who = await oidc.finish(callbackUrl, state);
      const userId = await users.oidcUser(who.issuer, who.subject, who.email, who.emailVerified);
      await startSession(request, reply, sessions, userId);
      void reply.header('set-cookie', [
        reply.getHeader('set-cookie') as string,
        cookie(request, OIDC_STATE_COOKIE, '', 0, '/api/auth/oidc'),
      ]);
      return reply.redirect('/', 303);
    },
  );
};

/** The session just started, read back through the same path every request takes. */
async function sessionOf(sessions: SessionStore, reply: FastifyReply) {
  const setCookie = String(reply.getHeader('set-cookie'));
  const token = cookieValue(setCookie.split(';')[0], SESSION_COOKIE)!;
  const found = (await sessions.find(token))!;
  const p = found.principal;
  return { name: p.name, userId: p.userId, role: p.role, environments: p.environments };
}
