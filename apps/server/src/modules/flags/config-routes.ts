/** `/api/admin/flags/:key/environments/:env…`: a flag's targeting in one environment. */
import type { FastifyPluginAsyncTypebox, Static, TObject } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationError } from '../../errors.js';
import { etag, expectedVersion } from '../changes/preconditions.js';
import { requestContext, type RequestContext } from '../../http/request-context.js';
import {
  ChangeRequest,
  ConfigParams,
  ConfigVersionList,
  ConfigVersionsQuery,
  FlagConfig,
  FlagConfigList,
  FlagParams,
  IfMatchHeaders,
  PatchConfigBody,
  PutConfigBody,
  RestoreBody,
  RolloutBody,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { FlagService } from './service.js';

// 202: held as a change request where the environment requires approvals.
const writeResponses = { 200: ref(FlagConfig), 202: ref(ChangeRequest), ...errorResponses(400, 404, 409, 412, 428) };

function withEtag(reply: FastifyReply, config: FlagConfig): FlagConfig {
  void reply.header('etag', etag(config.version));
  return config;
}

async function refuseBodyVersion(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (typeof body === 'object' && body !== null && Object.hasOwn(body, 'version')) {
    throw new ValidationError(
      'version is not accepted here: send the version to bring back as restoreVersion and the current version as If-Match',
      'version',
    );
  }
}

export const configRoutes: FastifyPluginAsyncTypebox<{ flags: FlagService }> = async (app, { flags }) => {
  const path = '/flags/:key/environments/:env';

  app.get(
    '/flags/:key/environments',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags: ['configs'],
        summary: "The flag's config in every environment (each with its version), by environment key: `GET /flags/:key`'s environments",
        params: FlagParams,
        response: { 200: ref(FlagConfigList), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({ flag: request.params.key, environments: await flags.configs(request.params.key) }),
  );

  app.get(
    path,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['configs'],
        summary: "A flag's config in one environment (ETag: its version)",
        params: ConfigParams,
        response: { 200: ref(FlagConfig), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => withEtag(reply, await flags.getConfig(request.params.key, request.params.env)),
  );

  /**
   * A write to the config. It names the version it edits (`If-Match`, or `version` in
   * the body — restore takes If-Match only, beside its `restoreVersion`) and answers the
   * new config with its ETag.
   */
  const write = <B extends TObject>(
    method: 'PUT' | 'PATCH' | 'POST',
    url: string,
    summary: string,
    body: B,
    apply: (ctx: RequestContext, key: string, env: string, expected: number, body: Static<B>) => Promise<FlagConfig>,
    bodyNamesEdited = true,
  ): void => {
    app.route({
      method,
      url,
      // A PATCH can be the kill switch, which killers may send too (plugins/access.ts).
      config: { access: { permission: method === 'PATCH' ? 'kill' : 'edit', environment: { param: 'env' } } },
      schema: { tags: ['configs'], summary, params: ConfigParams, headers: IfMatchHeaders, body, response: writeResponses },
      // Restore's body once named the version to bring back `version`, the name every other write uses for the
      // current one: refused with a message that says which is which, before the schema's generic one.
      preValidation: bodyNamesEdited ? undefined : refuseBodyVersion,
      handler: async (request, reply) => {
        const { key, env } = request.params;
        const payload = request.body as Static<B> & { version?: number };
        const expected = expectedVersion(request.headers['if-match'], bodyNamesEdited ? payload.version : undefined);
        const gate = { mode: 'open' as const, opened: undefined as unknown };
        const config = await apply({ ...requestContext(request), approvalGate: gate }, key, env, expected, payload);
        if (gate.opened) {
          const held = gate.opened as ChangeRequest;
          return reply.status(202).header('location', `/api/admin/change-requests/${held.id}`).send(held);
        }
        return withEtag(reply, config);
      },
    });
  };

  write('PUT', path, 'Replace the config (If-Match: "<version>")', PutConfigBody, (...a) => flags.putConfig(...a));
  write(
    'PATCH',
    path,
    'Change part of the config; {"enabled": false} is the kill switch (If-Match: "<version>")',
    PatchConfigBody,
    (...a) => flags.patchConfig(...a),
  );
  write(
    'PUT',
    `${path}/rollout`,
    'Roll `variant` (default "on") out to `percentage` % of users; the other variants served keep their proportions (If-Match)',
    RolloutBody,
    (...a) => flags.setRollout(...a),
  );
  write(
    'POST',
    `${path}/restore`,
    'Write a new version equal to an earlier one: `restoreVersion` in the body, the current version as If-Match',
    RestoreBody,
    (ctx, key, env, expected, body) => flags.restore(ctx, key, env, expected, body.restoreVersion),
    false,
  );

  app.get(
    `${path}/versions`,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['configs'],
        summary: 'Earlier versions of the config, newest first',
        params: ConfigParams,
        querystring: ConfigVersionsQuery,
        response: { 200: ref(ConfigVersionList), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({ versions: await flags.configHistory(request.params.key, request.params.env, request.query.limit ?? 50) }),
  );
};
