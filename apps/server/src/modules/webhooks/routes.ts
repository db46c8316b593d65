/** `/api/admin/webhooks`: subscriptions, secret rotation, the delivery log and redelivery. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CreateWebhookBody,
  NoBody,
  UpdateWebhookBody,
  Webhook,
  WebhookCreated,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryParams,
  WebhookList,
  WebhookParams,
  WebhookSecretRotated,
  errorResponses,
  ref,
} from '@switchboard/api-contract';
import { requestContext } from '../../http/request-context.js';
import type { WebhookService } from './service.js';

export const webhookRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhookService }> = async (app, { webhooks }) => {
  // Fresh secrets must not linger in a browser's or a proxy's cache.
  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
  });
  const tags = ['webhooks'];

  app.get(
    '/webhooks',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: { tags, summary: 'List webhooks (never their secrets)', response: { 200: ref(WebhookList) } },
    },
    async () => ({ webhooks: await webhooks.list() }),
  );

  app.post(
    '/webhooks',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags,
        summary: "Create a webhook; the answer's `secret` signs its deliveries and is shown this once",
        body: CreateWebhookBody,
        response: { 201: ref(WebhookCreated), ...errorResponses(400) },
      },
    },
    async (request, reply) => reply.status(201).send(await webhooks.create(requestContext(request), request.body)),
  );

  app.get(
    '/webhooks/:id',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: { tags, summary: 'A webhook', params: WebhookParams, response: { 200: ref(Webhook), ...errorResponses(404) } },
    },
    async (request) => webhooks.get(request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags,
        summary: 'Edit a webhook (url, events, environments, description, enabled)',
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: ref(Webhook), ...errorResponses(400, 404) },
      },
    },
    async (request) => webhooks.update(requestContext(request), request.params.id, request.body),
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags,
        summary: 'Delete a webhook and its delivery log; queued deliveries are dropped',
        params: WebhookParams,
        response: { 204: NoBody('Deleted'), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(requestContext(request), request.params.id);
      return reply.status(204).send();
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags,
        summary: 'New signing secret (shown once); the previous one keeps signing, as a second signature, until previousSecretExpiresAt',
        params: WebhookParams,
        response: { 200: ref(WebhookSecretRotated), ...errorResponses(404) },
      },
    },
    async (request) => webhooks.rotateSecret(requestContext(request), request.params.id),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { access: { permission: 'read', environment: 'none' } },
      schema: {
        tags,
        summary: 'The delivery log, newest first: status, attempts with their status codes, timings and errors',
        params: WebhookParams,
        querystring: WebhookDeliveriesQuery,
        response: { 200: ref(WebhookDeliveryPage), ...errorResponses(400, 404) },
      },
    },
    async (request) => webhooks.deliveries(request.params.id, request.query),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      config: { access: { permission: 'admin', environment: 'none' } },
      schema: {
        tags,
        summary: 'Send a delivery again (same webhook-id), with a fresh retry schedule',
        params: WebhookDeliveryParams,
        response: { 202: ref(WebhookDelivery), ...errorResponses(404, 409) },
      },
    },
    async (request, reply) =>
      reply.status(202).send(await webhooks.redeliver(requestContext(request), request.params.id, request.params.deliveryId)),
  );
};
