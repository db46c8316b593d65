/**
 * The delivery plugin: this instance's in-memory snapshots and SSE streams. Writes,
 * Redis fan-out and the revision check all feed it; the SDK routes serve from it.
 */
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import { Delivery, type DeliveryDeps } from '../modules/sdk/delivery.js';

declare module 'fastify' {
  interface FastifyInstance {
    delivery: Delivery;
  }
}

export interface DeliveryPluginOptions {
  /** Identifies this instance in fan-out messages (default: random). */
  instanceId?: string | undefined;
  hub: DeliveryDeps['hub'];
}

export const deliveryPlugin = fp<DeliveryPluginOptions>(
  async (app, opts) => {
    const { database, redis, metrics, keys } = app;
    const delivery = new Delivery({
      db: database.db,
      redis,
      metrics,
      log: app.log,
      instanceId: opts.instanceId ?? randomUUID(),
      hub: opts.hub,
    });
    // A key revoked on another instance stops authenticating here too, not when its cache entry ages out.
    delivery.onKeyRevoked((keyId) => keys.forget(keyId));
    app.decorate('delivery', delivery);
  },
  { name: 'delivery', dependencies: ['db', 'redis', 'metrics', 'auth'] },
);
