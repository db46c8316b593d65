/**
 * Who may call `/api/sdk/*`: server and client keys, each for its own environment.
 * Registered (with fastify-plugin) into the SDK scope so its hooks cover every SDK
 * route: delivery and event ingestion alike. CORS lives in this scope only (the admin
 * API never answers cross-origin requests), and only for client keys: browsers get
 * client keys, never server keys.
 */
import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import { requireSdkKey } from '../../plugins/auth.js';
import type { KeyVerifier } from '../api-keys/key-verifier.js';

export interface SdkAccessOptions {
  keys: KeyVerifier;
  /** Browser origins allowed (client keys only); empty = no CORS; `*` only when configured. */
  corsOrigins: string[];
}

export const sdkAccess = fp<SdkAccessOptions>(
  async (app, { keys, corsOrigins }) => {
    if (corsOrigins.length > 0) {
      await app.register(cors, {
        origin: corsOrigins.includes('*') ? '*' : corsOrigins,
        methods: ['GET', 'POST'],
        allowedHeaders: ['authorization', 'content-type', 'if-none-match', 'last-event-id'],
        exposedHeaders: ['etag', 'x-request-id'],
        maxAge: 600,
      });
    }
    const authenticate = requireSdkKey(keys);
    app.addHook('onRequest', async (request, reply) => {
      await authenticate(request);
      if (request.principal?.kind === 'server') {
        reply.removeHeader('access-control-allow-origin');
        reply.removeHeader('access-control-expose-headers');
      }
    });
  },
  { name: 'sdk-access' },
);
