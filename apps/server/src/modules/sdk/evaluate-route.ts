/**
 * `POST /api/sdk/evaluate`: the browser SDK's way to get the flags it may not evaluate
 * itself (private-flags.ts), for its own context, from the snapshot held in memory.
 * Bounded like OFREP: body size, context size, flags per request, requests per key and IP.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SdkEvaluation, SdkEvaluationRequest, errorResponses, ref } from '@switchboard/api-contract';
import { evaluate, type EvaluationContext, type Flag } from '@switchboard/core';
import { RateLimitedError, UnavailableError, ValidationError } from '../../errors.js';
import { clientAddress } from '../../http/client-address.js';
import { WindowLimiter } from '../events/rate-limit.js';
import { OFREP_CONTEXT_LIMITS, contextWithinLimits, defaultFor, ofrepSnapshot } from '../ofrep/evaluation.js';
import type { Delivery } from './delivery.js';
import { resolvedFlag } from './private-flags.js';

export interface EvaluateRouteOptions {
  delivery: Delivery;
  /** Requests per minute per API key and client IP on this instance; 0 = no limit. */
  rateLimitPerMinute: number;
  bodyLimit: number;
}

export const sdkEvaluateRoute: FastifyPluginAsyncTypebox<EvaluateRouteOptions> = async (
  app,
  { delivery, rateLimitPerMinute, bodyLimit },
) => {
  const limiter = new WindowLimiter(rateLimitPerMinute, 60_000);
  app.post(
    '/evaluate',
    {
      bodyLimit,
      schema: {
        tags: ['sdk'],
        summary: "Evaluates flags for a context on the server: a client key's flags that read private attributes",
        body: SdkEvaluationRequest,
        response: { 200: ref(SdkEvaluation), ...errorResponses(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const principal = request.principal!;
      const wait = limiter.take(`${principal.keyId ?? ''} ${clientAddress(request.ip)}`);
      if (wait > 0) throw new RateLimitedError('Too many evaluations from this address for this key; retry later', wait);
      const { context, flags: keys } = request.body;
      if (!contextWithinLimits(context)) {
        throw new ValidationError(
          `context is too large (at most ${OFREP_CONTEXT_LIMITS.maxValues} values, nested ${OFREP_CONTEXT_LIMITS.maxDepth} deep)`,
          'context',
        );
      }
      const view = delivery.views.get(principal.environment!);
      if (!view) throw new UnavailableError("This environment's snapshot is not loaded yet; retry shortly.");
      const snapshot = ofrepSnapshot(view, principal.kind === 'server' ? 'server' : 'client');
      const out: Record<string, Flag> = {};
      for (const key of keys) {
        if (!Object.prototype.hasOwnProperty.call(snapshot.flags, key)) continue;
        const flag = snapshot.flags[key]!;
        const resolved = resolvedFlag(flag, evaluate(snapshot, key, context as EvaluationContext, defaultFor(flag)));
        if (resolved) out[key] = resolved;
      }
      return reply.header('cache-control', 'no-store').send({ revision: snapshot.revision, flags: out });
    },
  );
};
