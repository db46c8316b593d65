/**
 * The webhook dispatcher: polls the outbox for due deliveries and sends them (unless
 * `WEBHOOK_DELIVERY_ENABLED=false`). It stops claiming before close and waits for the
 * attempts in flight to be recorded, so none is left `delivering` by a graceful shutdown.
 */
import fp from 'fastify-plugin';
import { WebhookDispatcher, type DispatcherOptions } from '../modules/webhooks/dispatcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookDispatcher;
  }
}

export interface WebhooksPluginOptions extends DispatcherOptions {
  enabled: boolean;
}

export const webhooksPlugin = fp<WebhooksPluginOptions>(
  async (app, { enabled, ...options }) => {
    const dispatcher = new WebhookDispatcher(app.database, options, app.log);
    app.decorate('webhooks', dispatcher);
    if (!enabled) return;
    dispatcher.start();
    app.addHook('preClose', () => dispatcher.stop());
  },
  { name: 'webhooks', dependencies: ['db'] },
);
