/** OpenAPI generated from the route schemas, served at /docs (UI) and /docs/json. */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { UI_CONTENT_SECURITY_POLICY, securityHeaders } from './admin-ui.js';
import { contractSchemas } from './contract-schemas.js';

export const docsPlugin = fp(
  async (app) => {
    await app.register(contractSchemas);
    await app.register(swagger, {
      // Components keep the contract's names (`#/components/schemas/Flag`), not `def-0`.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Switchboard flag server',
          description: 'Admin API (admin key) and SDK delivery (server or client key). Authenticate with `Authorization: Bearer <key>`.',
          version: '0.1.0',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // No calls to the public validator badge: the page talks to this server only.
      uiConfig: { docExpansion: 'list', validatorUrl: null },
      // The same policy as the admin UI (no inline scripts, no framing): /docs runs on the same origin.
      staticCSP: UI_CONTENT_SECURITY_POLICY,
      uiHooks: {
        onRequest: (_request, reply, done) => {
          securityHeaders(reply);
          done();
        },
      },
    });
  },
  { name: 'docs' },
);
