/**
 * Authentication: `Authorization: Bearer <key>` only (never a query string). Admin
 * routes take admin keys; SDK routes take server or client keys and serve the key's
 * own environment. Runs in `onRequest`, before the body is even read.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { KeyVerifier, type Principal } from '../modules/api-keys/key-verifier.js';
import { bearerToken } from '../modules/api-keys/secrets.js';

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyVerifier;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function authorizationHeaderCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 13 && name.toLowerCase() === 'authorization') count++;
  }
  return count;
}

async function authenticate(keys: KeyVerifier, request: FastifyRequest): Promise<Principal> {
  // Node keeps the first of repeated Authorization headers and a proxy in front may keep
  // the last, so the two could disagree on who is calling: refuse rather than pick one.
  if (authorizationHeaderCount(request.raw.rawHeaders) > 1) throw new UnauthorizedError('Send exactly one Authorization header');
  const token = bearerToken(request.headers.authorization);
  if (!token) throw new UnauthorizedError();
  const principal = await keys.verify(token);
  if (!principal) throw new UnauthorizedError('The API key is unknown or revoked');
  request.principal = principal;
  return principal;
}

/** onRequest hook for admin routes. */
export function requireAdmin(keys: KeyVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticate(keys, request);
    if (principal.kind !== 'admin') throw new ForbiddenError('The admin API takes an admin key');
  };
}

/** onRequest hook for SDK routes. */
export function requireSdkKey(keys: KeyVerifier) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticate(keys, request);
    if (principal.kind === 'admin' || !principal.environment) {
      throw new ForbiddenError('SDK routes take a server or client key (an environment\'s key)');
    }
  };
}

export interface AuthPluginOptions {
  adminToken: string | undefined;
}

export const authPlugin = fp<AuthPluginOptions>(
  async (app, opts) => {
    const keys = new KeyVerifier(app.database, app.redis, app.log, opts.adminToken);
    app.decorate('keys', keys);
    app.decorateRequest('principal', null);
    const flush = setInterval(() => void keys.flushLastUsed(), 60_000);
    flush.unref();
    app.addHook('onClose', async () => {
      clearInterval(flush);
      if (app.database.ready) await keys.flushLastUsed();
    });
  },
  { name: 'auth', dependencies: ['db', 'redis'] },
);
