/**
 * What every request goes through before its route: bodies are JSON or refused, schemas
 * validate with our compiler, and the response carries our request id (and the client's
 * own X-Request-Id, kept apart). Warns once when a proxy is in front but not trusted.
 */
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { clientRequestIdOf } from '../http/fastify-options.js';
import { parseJsonBody } from './json-body.js';
import { createValidatorCompiler } from './validation.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's own X-Request-Id when it is short and plain; never our request id. */
    clientRequestId: string | undefined;
  }
}

export interface RequestConventionsOptions {
  /** TRUST_PROXY is unset: say so if requests arrive through a proxy. */
  warnUntrustedProxy: boolean;
}

export const requestConventionsPlugin = fp<RequestConventionsOptions>(
  async (app, opts) => {
    // JSON only: anything else is 415, never a string handed to a handler.
    app.removeContentTypeParser('text/plain');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: string | Buffer) =>
      parseJsonBody(request, body as Buffer),
    );
    app.setValidatorCompiler(createValidatorCompiler({ storesBody: (url) => url.startsWith('/api/admin/') }));
    app.decorateRequest('clientRequestId', undefined);
    if (opts.warnUntrustedProxy) {
      // Behind an untrusted proxy every client has the proxy's address, so the per-IP stream
      // caps, event limits and the auth throttle would treat all users as one: say so, once.
      let warned = false;
      app.addHook('onRequest', async (request) => {
        if (warned || request.headers['x-forwarded-for'] === undefined) return;
        warned = true;
        request.log.warn(
          { remoteAddress: request.ip },
          "requests carry X-Forwarded-For but TRUST_PROXY is not set: per-IP limits count this proxy as one client; set TRUST_PROXY to the proxy's address",
        );
      });
    }
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-request-id', request.id);
      request.clientRequestId = clientRequestIdOf(request.headers);
      if (request.clientRequestId !== undefined) void reply.header('x-client-request-id', request.clientRequestId);
    });
  },
  { name: 'request-conventions' },
);
