/** `/api/admin/flags/:key/staleness`: a flag's usage and stale state, and its own threshold. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FlagParams, FlagStaleness, IfMatchHeaders, StaleAfterBody, errorResponses, ref } from '@switchboard/api-contract';
import { etag, expectedVersion } from '../changes/preconditions.js';
import type { ChangeWriter } from '../changes/change-writer.js';
import { requestContext } from '../../http/request-context.js';
import type { StaleFlagService } from './service.js';

// Access (plugins/access.ts): anyone may read usage; the threshold is an editor's flag-wide edit that serves
// nothing different, so no environment scope applies. Held in constants so they type-check before and after
// the access declaration exists.
const READ = { access: { permission: 'read', environment: 'none' } } as const;
const EDIT = { access: { permission: 'edit', environment: 'none' } } as const;

export const staleFlagRoutes: FastifyPluginAsyncTypebox<{ staleFlags: StaleFlagService; writer: ChangeWriter }> = async (
  app,
  { staleFlags, writer },
) => {
  app.get(
    '/flags/:key/staleness',
    {
      config: READ,
      schema: {
        tags: ['flags'],
        summary: 'What SDKs reported the flag serving per environment, and whether it is stale',
        params: FlagParams,
        response: { 200: ref(FlagStaleness), ...errorResponses(400, 404) },
      },
    },
    async (request) => staleFlags.get(request.params.key),
  );

  app.put(
    '/flags/:key/staleness',
    {
      config: EDIT,
      schema: {
        tags: ['flags'],
        summary: "Set the flag's own stale threshold in days, or null for the server's (If-Match: flag version)",
        params: FlagParams,
        headers: IfMatchHeaders,
        body: StaleAfterBody,
        response: { 200: ref(FlagStaleness), ...errorResponses(400, 404, 412, 428) },
      },
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match'], undefined);
      const out = await staleFlags.setStaleAfterDays(
        writer,
        requestContext(request),
        request.params.key,
        expected,
        request.body.staleAfterDays,
      );
      void reply.header('etag', etag(out.version));
      return out.staleness;
    },
  );
};
