/** `GET /api/admin/environments/:env/export` and `POST /api/admin/environments/:env/import`. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  EnvironmentExport,
  EnvironmentExportParams,
  EnvironmentExportQuery,
  FlagParams,
  PromoteBody,
  PromoteResult,
  ImportBody,
  ImportResult,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import { requestContext } from '../../http/request-context.js';
import type { FlagsAsCodeService } from './service.js';

/**
 * An export is about 500 bytes a flag: the server-wide 1 MiB limit would stop near 2,000 flags.
 * Admin-only, so a larger limit here costs little.
 */
export const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;

export const flagsAsCodeRoutes: FastifyPluginAsyncTypebox<{ flagsAsCode: FlagsAsCodeService }> = async (app, { flagsAsCode }) => {
  app.get(
    '/environments/:env/export',
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['flags-as-code'],
        summary: "The environment's flags (with its configs) and the segments, sorted by key; `versions=false` leaves versions out",
        params: EnvironmentExportParams,
        querystring: EnvironmentExportQuery,
        response: { 200: ref(EnvironmentExport), ...errorResponses(400, 404) },
      },
    },
    async (request) => flagsAsCode.export(request.params.env, request.query.versions !== false),
  );

  app.post(
    '/environments/:env/import',
    {
      config: { access: { permission: 'edit', environment: 'all' } },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['flags-as-code'],
        summary: 'Writes an export in one transaction (all or nothing; every version it names must be current), or plans it with dryRun',
        params: EnvironmentExportParams,
        body: ImportBody,
        response: { 200: ref(ImportResult), ...errorResponses(400, 404, 409, 412, 413) },
      },
    },
    async (request) => flagsAsCode.import(requestContext(request), request.params.env, request.body),
  );

  app.post(
    '/flags/:key/promote',
    {
      config: { access: { permission: 'edit', environment: { body: 'to' } } },
      schema: {
        tags: ['flags-as-code'],
        summary: "Copies the flag's config from one environment to another (a new version there); dryRun shows the difference only",
        params: FlagParams,
        body: PromoteBody,
        response: { 200: ref(PromoteResult), ...errorResponses(400, 404, 409, 412) },
      },
    },
    async (request) => flagsAsCode.promote(requestContext(request), request.params.key, request.body),
  );
};
