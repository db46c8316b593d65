/**
 * OFREP for server and client keys, answered from the snapshot SDK delivery holds in memory
 * (no database read once the key is known). Key, CORS, ETag and error shapes: docs/decisions/ofrep.md.
 */
import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  NoBody,
  OfrepBulkEvaluationFailure,
  OfrepBulkEvaluationSuccess,
  OfrepBulkHeaders,
  OfrepEvaluationFailure,
  OfrepEvaluationRequest,
  OfrepEvaluationSuccess,
  OfrepFlagNotFound,
  OfrepFlagParams,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { FastifyError, FastifyRequest } from 'fastify';
import { RateLimitedError, UnauthorizedError, UnavailableError, isAppError } from '../../errors.js';
import { clientAddress } from '../../http/client-address.js';
import { requireSdkKey } from '../../plugins/auth.js';
import type { KeyVerifier } from '../api-keys/key-verifier.js';
import { WindowLimiter } from '../events/rate-limit.js';
import type { Delivery } from '../sdk/delivery.js';
import { etagMatches } from '../sdk/routes.js';
import { bulkEtag, evaluateAll, evaluateFlag, ofrepSnapshot, readContext, toEvaluationContext, wire, type KeyKind } from './evaluation.js';

export interface OfrepAccessOptions {
  keys: KeyVerifier;
  /** Browser origins allowed (client keys only); empty = no CORS. */
  corsOrigins: string[];
}

/** `X-API-Key` as an alternative to the bearer header: refused when both are sent and differ. */
function apiKeyAsBearer(request: FastifyRequest): void {
  const apiKey = request.headers['x-api-key'];
  if (apiKey === undefined) return;
  if (typeof apiKey !== 'string') throw new UnauthorizedError('Send exactly one X-API-Key header');
  const bearer = `Bearer ${apiKey}`;
  if (request.headers.authorization === undefined) request.headers.authorization = bearer;
  else if (request.headers.authorization !== bearer) throw new UnauthorizedError('Authorization and X-API-Key name different keys');
}

export const ofrepAccess = fp<OfrepAccessOptions>(
  async (app, { keys, corsOrigins }) => {
    if (corsOrigins.length > 0) {
      await app.register(cors, {
        origin: corsOrigins.includes('*') ? '*' : corsOrigins,
        methods: ['POST'],
        allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'if-none-match'],
        exposedHeaders: ['etag', 'retry-after', 'x-request-id'],
        maxAge: 600,
      });
    }
    const authenticate = requireSdkKey(keys);
    app.addHook('onRequest', async (request, reply) => {
      apiKeyAsBearer(request);
      await authenticate(request);
      if (request.principal?.kind === 'server') {
        reply.removeHeader('access-control-allow-origin');
        reply.removeHeader('access-control-expose-headers');
      }
    });
  },
  { name: 'ofrep-access' },
);

export interface OfrepRoutesOptions {
  delivery: Delivery;
  /** Requests per minute per API key and client IP on this instance; 0 = no limit. */
  rateLimitPerMinute: number;
  bodyLimit: number;
}

/** Errors Fastify raises before the handler (unparseable JSON, an empty body): OFREP's PARSE_ERROR. */
function isParseError(err: FastifyError): boolean {
  if (isAppError(err)) return err.code === 'VALIDATION_FAILED';
  return err instanceof SyntaxError || (err.statusCode === 400 && (err.code?.startsWith('FST_ERR_CTP') ?? false));
}

export const ofrepRoutes: FastifyPluginAsyncTypebox<OfrepRoutesOptions> = async (app, { delivery, rateLimitPerMinute, bodyLimit }) => {
  const limiter = new WindowLimiter(rateLimitPerMinute, 60_000);

  // After the scope's authentication (a parent hook), so the key is known.
  app.addHook('onRequest', async (request) => {
    const wait = limiter.take(`${request.principal?.keyId ?? ''} ${clientAddress(request.ip)}`);
    if (wait > 0) throw new RateLimitedError('Too many OFREP evaluations from this address for this key; retry later', wait);
  });

  // Anything else goes on to the application's error handler.
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (!isParseError(err)) throw err;
    const errorDetails = `the body is not a valid JSON evaluation request: ${err.message}`.slice(0, 500);
    const key = (request.params as { key?: unknown } | undefined)?.key;
    return reply
      .code(400)
      .send(typeof key === 'string' ? { key, errorCode: 'PARSE_ERROR', errorDetails } : { errorCode: 'PARSE_ERROR', errorDetails });
  });

  const resolve = (request: FastifyRequest) => {
    const principal = request.principal!;
    const view = delivery.views.get(principal.environment!);
    if (!view) throw new UnavailableError("This environment's snapshot is not loaded yet; retry shortly.");
    const kind: KeyKind = principal.kind === 'server' ? 'server' : 'client';
    return { view, kind, snapshot: ofrepSnapshot(view, kind) };
  };

  app.post(
    '/evaluate/flags/:key',
    {
      bodyLimit,
      // The body schema documents the request; the handler reads it so refusals answer in OFREP's shape.
      attachValidation: true,
      schema: {
        tags: ['ofrep'],
        summary: 'OFREP: evaluate one flag for an OpenFeature context (a client key sees client-side flags only)',
        params: OfrepFlagParams,
        body: OfrepEvaluationRequest,
        response: {
          200: ref(OfrepEvaluationSuccess),
          400: ref(OfrepEvaluationFailure),
          404: ref(OfrepFlagNotFound),
          ...errorResponses(401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      const { snapshot } = resolve(request);
      const read = readContext(request.body);
      if ('errorCode' in read) return reply.code(400).send({ key, ...read });
      const result = evaluateFlag(snapshot, key, toEvaluationContext(read.context));
      void reply.header('cache-control', 'no-store');
      if (result.ok) return reply.send(wire(result) as OfrepEvaluationSuccess);
      if (result.errorCode === 'FLAG_NOT_FOUND')
        return reply.code(404).send({ key, errorCode: 'FLAG_NOT_FOUND', errorDetails: result.errorDetails });
      return reply.code(400).send(wire(result) as OfrepEvaluationFailure);
    },
  );

  app.post(
    '/evaluate/flags',
    {
      bodyLimit,
      // The body schema documents the request; the handler reads it so refusals answer in OFREP's shape.
      attachValidation: true,
      schema: {
        tags: ['ofrep'],
        summary:
          "OFREP: evaluate every flag the key sees for an OpenFeature context. ETag = revision + the context's hash; 304 on If-None-Match",
        headers: OfrepBulkHeaders,
        body: OfrepEvaluationRequest,
        response: {
          200: ref(OfrepBulkEvaluationSuccess),
          304: NoBody('Not modified: neither the flags nor the context changed since this ETag'),
          400: ref(OfrepBulkEvaluationFailure),
          ...errorResponses(401, 403, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { view, kind, snapshot } = resolve(request);
      const read = readContext(request.body);
      if ('errorCode' in read) return reply.code(400).send(read);
      const etag = bulkEtag(view.revision, kind, read.context);
      void reply.header('etag', etag).header('cache-control', 'no-cache').header('vary', 'Authorization, X-API-Key, Origin');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      const flags = evaluateAll(snapshot, toEvaluationContext(read.context)).map(wire);
      return reply.send({ flags });
    },
  );
};
