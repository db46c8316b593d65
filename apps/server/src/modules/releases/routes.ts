/** `/api/admin/flags/:key/environments/:env/release-plan` and its pause, resume, advance and cancel. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ConfigParams, PutReleasePlanBody, ReleasePlan, errorResponses, ref } from '@switchboard/api-contract';
import { requestContext } from '../../http/request-context.js';
import type { ReleasePlanService } from './service.js';

export const releasePlanRoutes: FastifyPluginAsyncTypebox<{ releases: ReleasePlanService }> = async (app, { releases }) => {
  const path = '/flags/:key/environments/:env/release-plan';

  app.put(
    path,
    {
      config: { access: { permission: 'edit', environment: { param: 'env' } } },
      schema: {
        tags: ['release-plans'],
        summary:
          'Start a release plan: the fallthrough rolls `variant` out stage by stage (each stage a versioned config write), ' +
          'guards compare the treatment and control arms in distinct units and roll back, kill, pause or notify',
        params: ConfigParams,
        body: PutReleasePlanBody,
        response: { 201: ref(ReleasePlan), ...errorResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const { key, env } = request.params;
      return reply.status(201).send(await releases.put(requestContext(request), key, env, request.body));
    },
  );

  app.get(
    path,
    {
      config: { access: { permission: 'read', environment: { param: 'env' } } },
      schema: {
        tags: ['release-plans'],
        summary: "The flag's live release plan in the environment (else its latest): stage, arms, guard statistics, decision log",
        params: ConfigParams,
        response: { 200: ref(ReleasePlan), ...errorResponses(400, 404) },
      },
    },
    async (request) => releases.get(request.params.key, request.params.env),
  );

  for (const op of ['pause', 'resume', 'advance', 'cancel'] as const) {
    app.post(
      `${path}/${op}`,
      {
        config: { access: { permission: 'edit', environment: { param: 'env' } } },
        schema: {
          tags: ['release-plans'],
          summary: {
            pause: 'Hold the running stage (a scheduled plan stays unstarted)',
            resume: 'Run a paused plan again: its stage is written again and starts over',
            advance: 'Move to the next stage now',
            cancel: 'Stop the plan; the flag keeps its current config',
          }[op],
          params: ConfigParams,
          response: { 200: ref(ReleasePlan), ...errorResponses(400, 404, 409) },
        },
      },
      async (request) => releases.control(requestContext(request), request.params.key, request.params.env, op),
    );
  }
};
