/** `/api/admin/flags/:key/environments/:env…`: a flag's targeting in one environment. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { etag, expectedVersion } from '../changes/preconditions.js';
import { requestContext } from '../changes/writer.js';
import { ConfigParams, FlagParams, IfMatchHeaders, PatchConfigBody, PutConfigBody, RestoreBody, RolloutBody, errorResponses } from './schemas.js';
import type { ConfigView, FlagService } from './service.js';

const writeErrors = errorResponses(400, 404, 409, 412, 428);

function withEtag(reply: FastifyReply, config: ConfigView): ConfigView {
  void reply.header('etag', etag(config.version));
  return config;
}

export const configRoutes: FastifyPluginAsyncTypebox<{ flags: FlagService }> = async (app, { flags }) => {
  const path = '/flags/:key/environments/:env';

  app.get(
    '/flags/:key/environments',
    { schema: { tags: ['configs'], summary: 'The flag\'s config in every environment (each with its version), in environment order', params: FlagParams, response: errorResponses(400, 404) } },
    async (request) => ({ flag: request.params.key, environments: await flags.configs(request.params.key) }),
  );

  app.get(path, { schema: { tags: ['configs'], summary: 'A flag\'s config in one environment (ETag: its version)', params: ConfigParams } }, async (request, reply) =>
    withEtag(reply, await flags.getConfig(request.params.key, request.params.env)),
  );

  app.put(
    path,
    {
      schema: {
        tags: ['configs'],
        summary: 'Replace the config (If-Match: "<version>")',
        params: ConfigParams,
        headers: IfMatchHeaders,
        body: PutConfigBody,
        response: writeErrors,
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const expected = expectedVersion(request.headers['if-match'], request.body.version);
      return withEtag(reply, await flags.putConfig(requestContext(request), key, env, expected, request.body));
    },
  );

  app.patch(
    path,
    {
      schema: {
        tags: ['configs'],
        summary: 'Change part of the config; {"enabled": false} is the kill switch (If-Match: "<version>")',
        params: ConfigParams,
        headers: IfMatchHeaders,
        body: PatchConfigBody,
        response: writeErrors,
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const expected = expectedVersion(request.headers['if-match'], request.body.version);
      return withEtag(reply, await flags.patchConfig(requestContext(request), key, env, expected, request.body));
    },
  );

  app.put(
    `${path}/rollout`,
    {
      schema: {
        tags: ['configs'],
        summary: 'Roll `variant` (default "on") out to `percentage` % of users, the rest get the off variant (If-Match)',
        params: ConfigParams,
        headers: IfMatchHeaders,
        body: RolloutBody,
        response: writeErrors,
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const expected = expectedVersion(request.headers['if-match'], request.body.version);
      return withEtag(reply, await flags.setRollout(requestContext(request), key, env, expected, request.body));
    },
  );

  app.post(
    `${path}/restore`,
    {
      schema: {
        tags: ['configs'],
        summary: 'Write a new version equal to an earlier one (If-Match: the current version)',
        params: ConfigParams,
        headers: IfMatchHeaders,
        body: RestoreBody,
        response: writeErrors,
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      const expected = expectedVersion(request.headers['if-match'], undefined);
      return withEtag(reply, await flags.restore(requestContext(request), key, env, expected, request.body.version));
    },
  );

  app.get(
    `${path}/versions`,
    {
      schema: {
        tags: ['configs'],
        summary: 'Earlier versions of the config, newest first',
        params: ConfigParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false }),
      },
    },
    async (request) => ({ versions: await flags.configHistory(request.params.key, request.params.env, request.query.limit ?? 50) }),
  );
};
