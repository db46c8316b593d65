/** `POST /api/admin/flags/:key/environments/:env/explain` and the bulk form for every flag of an environment. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ExplainBody,
  ExplainEnvironmentParams,
  ExplainParams,
  Explanation,
  ExplanationList,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import type { ExplainService } from './service.js';

export const explainRoutes: FastifyPluginAsyncTypebox<{ explain: ExplainService }> = async (app, { explain }) => {
  app.post(
    '/flags/:key/environments/:env/explain',
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['explain'],
        summary: "What a context gets for the flag in the environment's current snapshot, and each step that led there",
        params: ExplainParams,
        body: ExplainBody,
        response: { 200: ref(Explanation), ...errorResponses(400, 404) },
      },
    },
    async (request) => explain.flag(request.params.env, request.params.key, request.body.context),
  );

  app.post(
    '/environments/:env/explain',
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['explain'],
        summary: "What a context gets for every flag of the environment's current snapshot, and why",
        params: ExplainEnvironmentParams,
        body: ExplainBody,
        response: { 200: ref(ExplanationList), ...errorResponses(400, 404) },
      },
    },
    async (request) => explain.environment(request.params.env, request.body.context),
  );
};
