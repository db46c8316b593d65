/**
 * The API contract's named schemas (`Flag`, `FlagConfig`, `Error`…) registered once, so
 * routes answer with `ref(Flag)` and the OpenAPI document shows them as components.
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NAMED_SCHEMAS } from '@switchboard/api-contract';

/** Sees what a route hands to serialization, before the serializer drops what its schema doesn't declare. */
export type ResponseCheck = (request: FastifyRequest, reply: FastifyReply, payload: unknown) => void;

declare module 'fastify' {
  interface FastifyInstance {
    /** Route tests install a check that fails on an answer its declared schema doesn't describe. */
    checkResponses(check: ResponseCheck | null): void;
  }
}

export const contractSchemas = fp(
  async (app) => {
    for (const schema of NAMED_SCHEMAS) if (app.getSchema(schema.$id) === undefined) app.addSchema(schema);

    let check: ResponseCheck | null = null;
    app.decorate('checkResponses', (next: ResponseCheck | null) => {
      check = next;
    });
    app.addHook('preSerialization', (request, reply, payload, done) => {
      if (check === null) return done(null, payload);
      try {
        check(request, reply, payload);
      } catch (err) {
        return done(err as Error);
      }
      done(null, payload);
    });
  },
  { name: 'contract-schemas' },
);
